/**
 * Production build of the console only when it is missing or older than its
 * sources. Used by the e2e global setup; `scripts/start.ts` can import it
 * instead of its own private copy (`buildIsStale()` / `nextBuild()` there).
 *
 * Framework-free and dependency-free on purpose (node: modules only), so any
 * script — tsx, Playwright's loader, vitest — can import it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * What `next build` reads. `public` does not exist yet; it is listed because
 * Next serves and fingerprints it, so adding it later must trigger a build.
 */
export const BUILD_INPUTS = [
  'app',
  'components',
  'lib',
  'public',
  'next.config.ts',
  'postcss.config.mjs',
  'package.json',
  'tsconfig.json',
] as const;

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
  return process.env.NEXT_DIST_DIR || '.next';
}

/** True when `<root>/<distDir>/BUILD_ID` is missing or older than any file in {@link BUILD_INPUTS}. */
export function isBuildStale(root: string): boolean {
  const buildId = path.join(root, distDir(), 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return BUILD_INPUTS.some((p) => newestMtime(path.join(root, p)) > built);
}

/**
 * Run `next build` in `root` when {@link isBuildStale} says so; its output goes
 * to this process's stdout/stderr. Rejects when the build fails.
 */
export async function buildIfStale(root: string): Promise<void> {
  if (!isBuildStale(root)) return;
  // NODE_ENV left out: next build sets it itself and warns about a non-standard value.
  // (The cast: Next's types declare NODE_ENV as always present.)
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV')) as NodeJS.ProcessEnv;
  env.NEXT_TELEMETRY_DISABLED = '1';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { cwd: root, stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}
