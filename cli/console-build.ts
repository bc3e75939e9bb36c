import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runBuild, type BuildOptions } from '../scripts/build-if-stale';

/**
 * The console build `celerity console` serves. The package ships one prebuilt
 * build, for the root (`.next` in the package); Next fixes the base path at build
 * time, so a console under CELERITY_BASE_PATH needs its own build, made once on
 * the first start and reused by every later start of this package version.
 *
 * That build is made from a copy of the console's sources in the application's
 * data directory (`.data/console/<path>`), not inside the installed package: Next
 * compiles no TypeScript under `node_modules`. From there Next, React and the
 * rest are found the usual way, in the application's `node_modules` above it.
 */
export interface ConsoleBuildOptions {
  /** The installed package's directory (its package.json, next.config, app/). */
  packageDir: string;
  /** CELERITY_BASE_PATH, already checked (`''` for the root). */
  basePath: string;
  /** Where builds for base paths are made and kept (absolute): `${CELERITY_DATA_DIR}/console`. */
  cacheDir: string;
  /** Where the one "Building…" line goes. */
  log: (line: string) => void;
  /** What builds (default: the package's `next build`); tests substitute a small script. */
  command?: BuildOptions['command'];
}

/** A build to serve: the Next project directory and its build directory in it. */
export interface ConsoleBuild {
  projectDir: string;
  distDir: string;
}

/** Written last into a finished build: which package version and base path it was made for. */
export const BUILD_STAMP = 'celerity-base-path.json';

/** What `next build` reads: the console's sources as the package ships them. */
const CONSOLE_SOURCES = [
  'app',
  'components',
  'lib',
  'public',
  'next.config.ts',
  'next-env.d.ts',
  'postcss.config.mjs',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
];

const DIST_DIR = '.next';

/**
 * The build for `basePath`, building it first when there is none for this
 * package version. A build that failed or was interrupted has no stamp and is
 * made again from a fresh copy of the sources.
 */
export async function ensureConsoleBuild(o: ConsoleBuildOptions): Promise<ConsoleBuild> {
  if (!o.basePath) return { projectDir: o.packageDir, distDir: DIST_DIR };
  const projectDir = path.join(o.cacheDir, slugOf(o.basePath));
  const version = packageVersionIn(o.packageDir);
  if (isBuiltFor(path.join(projectDir, DIST_DIR), version, o.basePath)) return { projectDir, distDir: DIST_DIR };
  if (!nextAbove(projectDir)) {
    throw new Error(
      `the console for base path ${o.basePath} is built in ${projectDir}, which must be inside your application (Next is looked up in the node_modules above it): ` +
        'run celerity console from the application, or set CELERITY_DATA_DIR to a folder in it',
    );
  }
  o.log(`Building the console for base path ${o.basePath} (once; cached in ${projectDir})`);
  copySources(o.packageDir, projectDir, o.basePath);
  await runBuild(projectDir, {
    command: o.command ?? { cmd: process.execPath, args: [nextBin(o.packageDir), 'build'] },
    // Type-checked when the package was built; a user's machine need not do it again.
    env: { NEXT_DIST_DIR: DIST_DIR, CELERITY_BASE_PATH: o.basePath, CELERITY_BUILD_SKIP_TYPECHECK: '1', NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  const buildId = readBuildId(path.join(projectDir, DIST_DIR));
  if (!buildId) throw new Error(`next build exited 0 but wrote no ${path.join(projectDir, DIST_DIR, 'BUILD_ID')}`);
  writeFileSync(path.join(projectDir, DIST_DIR, BUILD_STAMP), JSON.stringify({ version, basePath: o.basePath, buildId }, null, 2) + '\n');
  return { projectDir, distDir: DIST_DIR };
}

/** A fresh copy of the sources (what a failed or interrupted build left is not trusted), tests left out. */
function copySources(packageDir: string, projectDir: string, basePath: string): void {
  rmSync(projectDir, { recursive: true, force: true });
  try {
    mkdirSync(projectDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot build the console for base path ${basePath}: ${projectDir} is not writable (${(err as Error).message})`);
  }
  for (const name of CONSOLE_SOURCES) {
    const from = path.join(packageDir, name);
    if (existsSync(from)) cpSync(from, path.join(projectDir, name), { recursive: true, filter: (src) => !/\.test\.tsx?$/.test(src) });
  }
}

/** Whether Next is installed in a node_modules above `dir`, where its build looks for it. */
function nextAbove(dir: string): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules', 'next', 'package.json'))) return true;
    if (path.dirname(d) === d) return false;
  }
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
