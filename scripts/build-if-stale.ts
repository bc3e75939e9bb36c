/**
 * Production build of the console only when it is missing or older than its
 * sources. Used by `npm start`, the e2e global setup, the Vitest tests that run
 * server.ts (test/security-support.ts) and the benchmarks.
 *
 * Framework-free on purpose (node: modules and lib/env.ts, which imports
 * nothing else), so any script — tsx, Playwright's loader, vitest — can import it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { childEnv, nextDistDir } from '../lib/env';

/**
 * What `next build` reads. `public` does not exist yet; it is listed because
 * Next serves and fingerprints it, so adding it later must trigger a build.
 * `package-lock.json`: an upgraded dependency (Next, React, Tailwind…) changes
 * the output without touching package.json.
 */
export const BUILD_INPUTS = [
  'app',
  'components',
  'lib',
  'public',
  'next.config.ts',
  'postcss.config.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
] as const;

export interface BuildOptions {
  /** Stops a running build (start.ts: Ctrl-C while building). */
  signal?: AbortSignal;
  /** Variables set (or, undefined, removed) for the build, on top of this process's environment. */
  env?: Record<string, string | undefined>;
  /**
   * What builds, run in `root` (default: `node_modules/.bin/next build`). Tests
   * substitute a small script to check their build checks without a three-minute build.
   */
  command?: { cmd: string; args: string[] };
}

/** Unit tests live next to the code (lib/x.test.ts) but are not part of the build output. */
const isTestFile = (p: string) => /\.test\.tsx?$/.test(p);

/**
 * Newest mtime under p (files and directories: a directory's mtime changes when
 * a file is added or deleted); 0 if p is missing. Test files are skipped.
 */
function newestMtime(p: string): number {
  if (isTestFile(p)) return 0;
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  let newest = st.mtimeMs;
  if (st.isDirectory()) {
    for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  }
  return newest;
}

/** The build directory: `NEXT_DIST_DIR` (see next.config.ts) or `.next`. */
export function distDir(): string {
  return nextDistDir();
}

/** The BUILD_ID of the build in `<root>/<distDir>`, or undefined when there is none. */
export function readBuildId(root: string): string | undefined {
  try {
    return readFileSync(path.join(root, distDir(), 'BUILD_ID'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when `<root>/<distDir>/BUILD_ID` is missing or older than any file in {@link BUILD_INPUTS}. */
export function isBuildStale(root: string): boolean {
  const buildId = path.join(root, distDir(), 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return BUILD_INPUTS.some((p) => newestMtime(path.join(root, p)) > built);
}

/**
 * Run `next build` in `root` now; its output goes to this process's
 * stdout/stderr. Rejects on a non-zero exit or a signal. An abort sends it
 * SIGTERM and rejects only once it has exited, so the caller can rely on no
 * build still running.
 */
export function runBuild(root: string, options: BuildOptions = {}): Promise<void> {
  const { cmd, args } = options.command ?? { cmd: path.join(root, 'node_modules', '.bin', 'next'), args: ['build'] };
  const { signal } = options;
  // NODE_ENV left out: next build sets it itself and warns about a non-standard value.
  const env = childEnv({ NODE_ENV: undefined, NEXT_TELEMETRY_DISABLED: '1', ...options.env });
  if (signal?.aborted) return Promise.reject(new Error('build aborted'));
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('exit', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else reject(new Error(signal?.aborted ? 'build aborted' : `next build failed (${sig ?? `exit code ${code}`})`));
    });
  });
}

/** {@link runBuild} when {@link isBuildStale} says so. */
export async function buildIfStale(root: string, options: BuildOptions = {}): Promise<void> {
  if (isBuildStale(root)) await runBuild(root, options);
}
