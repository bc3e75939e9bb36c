import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runBuild, type BuildOptions } from '../scripts/build-if-stale';

/**
 * The console build `celerity console` serves. The package ships one prebuilt
 * build, for the root (`.next`); Next fixes the base path at build time, so a
 * console under CELERITY_BASE_PATH needs its own build: made once, on the first
 * start, inside the package (Next keeps its build inside the project), and
 * reused by every later start of this package version.
 */
export interface ConsoleBuildOptions {
  /** The installed package's directory (its package.json, next.config, app/). */
  packageDir: string;
  /** CELERITY_BASE_PATH, already checked (`''` for the root). */
  basePath: string;
  /** Where the one "Building…" line goes. */
  log: (line: string) => void;
  /** What builds (default: the package's `next build`); tests substitute a small script. */
  command?: BuildOptions['command'];
}

/** Written last into a finished build: which package version and base path it was made for. */
export const BUILD_STAMP = 'celerity-base-path.json';

/** The shipped build, for the root. */
const PREBUILT_DIST_DIR = '.next';

/**
 * The directory (relative to `packageDir`, as NEXT_DIST_DIR takes it) of a
 * build for `basePath`, building it first when there is none for this package
 * version. A build that failed or was interrupted has no stamp and is made again.
 */
export async function ensureConsoleBuild(o: ConsoleBuildOptions): Promise<{ distDir: string }> {
  if (!o.basePath) return { distDir: PREBUILT_DIST_DIR };
  const distDir = path.join('.next-base', slugOf(o.basePath));
  const version = packageVersionIn(o.packageDir);
  const dir = path.join(o.packageDir, distDir);
  if (isBuiltFor(dir, version, o.basePath)) return { distDir };
  o.log(`Building the console for base path ${o.basePath} (once; cached in ${dir})`);
  // What a failed or interrupted build left is not trusted: start from nothing.
  rmSync(dir, { recursive: true, force: true });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot build the console for base path ${o.basePath}: ${dir} is not writable (${(err as Error).message})`);
  }
  await runBuild(o.packageDir, {
    command: o.command ?? { cmd: process.execPath, args: [nextBin(o.packageDir), 'build'] },
    env: { NEXT_DIST_DIR: distDir, CELERITY_BASE_PATH: o.basePath, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  const buildId = readBuildId(dir);
  if (!buildId) throw new Error(`next build exited 0 but wrote no ${path.join(dir, 'BUILD_ID')}`);
  writeFileSync(path.join(dir, BUILD_STAMP), JSON.stringify({ version, basePath: o.basePath, buildId }, null, 2) + '\n');
  return { distDir };
}

/** A directory name per base path: readable, and a hash so that `/a/b` and `/a-b` never share one. */
export function slugOf(basePath: string): string {
  const readable = basePath.slice(1).replace(/[^A-Za-z0-9]+/g, '-');
  return `${readable}-${createHash('sha256').update(basePath).digest('hex').slice(0, 8)}`;
}

/** True when `dir` holds a finished build stamped for this version and base path. */
function isBuiltFor(dir: string, version: string, basePath: string): boolean {
  const buildId = readBuildId(dir);
  if (!buildId) return false;
  try {
    const stamp = JSON.parse(readFileSync(path.join(dir, BUILD_STAMP), 'utf8')) as Record<string, unknown>;
    return stamp.version === version && stamp.basePath === basePath && stamp.buildId === buildId;
  } catch {
    return false;
  }
}

function readBuildId(dir: string): string | undefined {
  try {
    return readFileSync(path.join(dir, 'BUILD_ID'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function packageVersionIn(packageDir: string): string {
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Next's CLI as installed for the package (hoisted or not: resolved as the package itself would). */
function nextBin(packageDir: string): string {
  return createRequire(path.join(packageDir, 'package.json')).resolve('next/dist/bin/next');
}
