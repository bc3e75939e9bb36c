import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the `celerity` package is and which version it is, found from this
 * module's own location: the same code runs from sources in this repository
 * (lib/package-info.ts) and bundled into the package (dist/*.js), at different depths.
 */
let root: string | undefined;

/** The directory of the `celerity` package.json above this module. */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && readPackage(candidate).name === 'celerity') return (root = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json of "celerity" above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function packageVersion(): string {
  return readPackage(path.join(packageRoot(), 'package.json')).version ?? '0.0.0';
}

function readPackage(file: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
}
