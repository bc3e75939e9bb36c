import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The base path a production build of the console was made for (Next fixes it
 * at build time), from its `routes-manifest.json`: `''` for the root.
 * Undefined when there is no readable build there (Next then says so itself).
 */
export function readBuildBasePath(projectDir: string, distDir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(projectDir, distDir, 'routes-manifest.json'), 'utf8')) as { basePath?: unknown };
    return typeof manifest.basePath === 'string' ? manifest.basePath : undefined;
  } catch {
    return undefined;
  }
}

/** Why a build cannot serve `basePath` (a sentence), or undefined when it can or there is no build to judge. */
export function buildBasePathMismatch(projectDir: string, distDir: string, basePath: string): string | undefined {
  const built = readBuildBasePath(projectDir, distDir);
  if (built === undefined || built === basePath) return undefined;
  const shown = (p: string) => (p ? p : '(none)');
  return (
    `the console build in ${path.join(projectDir, distDir)} was made for base path ${shown(built)}, but CELERITY_BASE_PATH is ${shown(basePath)}: ` +
    `Next fixes the base path at build time, so build it again with this CELERITY_BASE_PATH (next build), or point NEXT_DIST_DIR at a build made for it`
  );
}
