import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Turbopack loads the server's external packages (bullmq, ioredis: next.config.ts
 * `serverExternalPackages`) through links it makes in `<distDir>/node_modules`,
 * named `<package>-<hash>`. npm never packs a `node_modules` folder, so the package
 * ships the list of those links (made when it is built) and the console makes them
 * again where the package is installed, pointing at the packages installed with it.
 */
const LIST = 'celerity-externals.json';

/** At packing time: write down the links of the build in `buildDir` (absolute). */
export function recordExternals(buildDir: string): void {
  const linksDir = path.join(buildDir, 'node_modules');
  const links: Record<string, string> = {};
  if (existsSync(linksDir)) {
    for (const name of readdirSync(linksDir)) links[name] = packageNameOf(readlinkSync(path.join(linksDir, name)));
  }
  writeFileSync(path.join(buildDir, LIST), `${JSON.stringify(links, null, 2)}\n`);
}

/** At start: make the links that are missing, resolved from the package's own directory. */
export function linkExternals(projectDir: string, distDir: string): void {
  const buildDir = path.join(projectDir, distDir);
  const listFile = path.join(buildDir, LIST);
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Record<string, string>;
  const require = createRequire(path.join(projectDir, 'package.json'));
  const linksDir = path.join(buildDir, 'node_modules');
  mkdirSync(linksDir, { recursive: true });
  for (const [link, pkg] of Object.entries(links)) {
    const at = path.join(linksDir, link);
    if (existsSync(at)) continue;
    const target = installedDir(require, pkg);
    if (!target) throw new Error(`The console needs ${pkg}, which is not installed next to celerity: reinstall the package`);
    symlinkSync(path.relative(linksDir, target), at, 'dir');
  }
}

/** `../../node_modules/@scope/name` → `@scope/name`. */
function packageNameOf(target: string): string {
  const parts = target.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  const rest = parts.slice(i + 1);
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}

/** The directory a package resolves to from `require`'s location (its package.json need not be exported). */
function installedDir(require: NodeJS.Require, pkg: string): string | undefined {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    if (existsSync(path.join(dir, pkg, 'package.json'))) return path.join(dir, pkg);
  }
  return undefined;
}
