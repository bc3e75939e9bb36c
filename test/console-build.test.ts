import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, ensureConsoleBuild, slugOf } from '@/cli/console-build';

/**
 * `celerity console` under a base path: built once, then reused. A stand-in
 * for `next build` (a node script) records each run and the environment it
 * got, and writes a BUILD_ID where NEXT_DIST_DIR says — or fails when told to.
 */
const fakeBuild = (logDir: string) => `
const fs = require('node:fs'), path = require('node:path');
const logDir = ${JSON.stringify(logDir)};
fs.appendFileSync(path.join(logDir, 'runs.log'), JSON.stringify({ dist: process.env.NEXT_DIST_DIR, base: process.env.CELERITY_BASE_PATH, env: process.env.NODE_ENV, telemetry: process.env.NEXT_TELEMETRY_DISABLED }) + '\\n');
if (fs.existsSync(path.join(logDir, 'fail'))) process.exit(1);
fs.mkdirSync(process.env.NEXT_DIST_DIR, { recursive: true });
fs.writeFileSync(path.join(process.env.NEXT_DIST_DIR, 'BUILD_ID'), 'id-' + Date.now());
`;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** An application with the package installed: `<app>/node_modules/celerity` (with a page and a test of it) and a stand-in Next. */
function packageDir(version = '1.2.3'): string {
  const app = mkdtempSync(path.join(os.tmpdir(), 'celerity-console-build-'));
  dirs.push(app);
  const d = path.join(app, 'node_modules', 'celerity');
  mkdirSync(path.join(d, 'app'), { recursive: true });
  writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: 'celerity', version }));
  writeFileSync(path.join(d, 'app', 'page.tsx'), 'export default function Page() { return null; }');
  writeFileSync(path.join(d, 'app', 'page.test.ts'), '');
  mkdirSync(path.join(app, 'node_modules', 'next'), { recursive: true });
  writeFileSync(path.join(app, 'node_modules', 'next', 'package.json'), JSON.stringify({ name: 'next' }));
  return d;
}

/** `${CELERITY_DATA_DIR}/console` of the application the package is installed in. */
const cacheOf = (pkg: string) => path.join(pkg, '..', '..', '.data', 'console');

const runs = (dir: string) =>
  existsSync(path.join(dir, 'runs.log'))
    ? readFileSync(path.join(dir, 'runs.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>)
    : [];

async function ensure(dir: string, basePath: string, cacheDir = cacheOf(dir)) {
  const lines: string[] = [];
  const out = await ensureConsoleBuild({
    packageDir: dir,
    basePath,
    cacheDir,
    log: (l) => lines.push(l),
    command: { cmd: process.execPath, args: ['-e', fakeBuild(dir)] },
  });
  return { ...out, lines };
}

describe('ensureConsoleBuild', () => {
  it('serves the prebuilt build for the root, building nothing', async () => {
    const dir = packageDir();
    const r = await ensure(dir, '');
    expect(r).toEqual({ projectDir: dir, distDir: '.next', lines: [] });
    expect(runs(dir)).toEqual([]);
  });

  it('builds once for a base path, from a copy of the sources outside node_modules, saying so in one line, and reuses the build afterwards', async () => {
    const dir = packageDir();
    const first = await ensure(dir, '/admin/jobs');
    expect(first.projectDir).toBe(path.join(cacheOf(dir), slugOf('/admin/jobs')));
    expect(first.projectDir).not.toContain('node_modules');
    expect(first.distDir).toBe('.next');
    expect(first.lines).toEqual([`Building the console for base path /admin/jobs (once; cached in ${first.projectDir})`]);
    expect(runs(dir)).toEqual([{ dist: '.next', base: '/admin/jobs', env: 'production', telemetry: '1' }]);
    expect(existsSync(path.join(first.projectDir, 'app', 'page.tsx'))).toBe(true);
    expect(existsSync(path.join(first.projectDir, 'app', 'page.test.ts'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(first.projectDir, '.next', BUILD_STAMP), 'utf8'))).toMatchObject({ version: '1.2.3', basePath: '/admin/jobs' });

    const second = await ensure(dir, '/admin/jobs');
    expect(second).toEqual({ projectDir: first.projectDir, distDir: '.next', lines: [] });
    expect(runs(dir)).toHaveLength(1);
  });

  it('refuses a cache directory outside the application (Next would not be found from it), building nothing', async () => {
    const dir = packageDir();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'celerity-console-outside-'));
    dirs.push(outside);
    await expect(ensure(dir, '/admin/jobs', outside)).rejects.toThrow(/must be inside your application .*CELERITY_DATA_DIR/);
    expect(runs(dir)).toEqual([]);
  });

  it('keeps a build per base path', async () => {
    const dir = packageDir();
    const a = await ensure(dir, '/a/b');
    const b = await ensure(dir, '/a-b');
    expect(a.projectDir).not.toBe(b.projectDir);
    expect((await ensure(dir, '/a/b')).lines).toEqual([]);
    expect(runs(dir)).toHaveLength(2);
  });

  it('does not reuse a failed build: the next start builds again', async () => {
    const dir = packageDir();
    writeFileSync(path.join(dir, 'fail'), '');
    await expect(ensure(dir, '/admin/jobs')).rejects.toThrow(/next build failed/);
    rmSync(path.join(dir, 'fail'));
    const r = await ensure(dir, '/admin/jobs');
    expect(r.lines).toHaveLength(1);
    expect(runs(dir)).toHaveLength(2);
  });

  it('does not reuse an interrupted build (a BUILD_ID without the stamp)', async () => {
    const dir = packageDir();
    const { projectDir } = await ensure(dir, '/admin/jobs');
    rmSync(path.join(projectDir, '.next', BUILD_STAMP));
    expect((await ensure(dir, '/admin/jobs')).lines).toHaveLength(1);
    expect(runs(dir)).toHaveLength(2);
  });

  it('builds again for another package version', async () => {
    const dir = packageDir('1.2.3');
    await ensure(dir, '/admin/jobs');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'celerity', version: '1.2.4' }));
    expect((await ensure(dir, '/admin/jobs')).lines).toHaveLength(1);
    expect(runs(dir)).toHaveLength(2);
  });
});
