import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, ensureConsoleBuild, slugOf } from '@/cli/console-build';

/**
 * `celerity console` under a base path: built once, then reused. A stand-in
 * for `next build` (a node script) records each run and the environment it
 * got, and writes a BUILD_ID where NEXT_DIST_DIR says — or fails when told to.
 */
const FAKE_BUILD = `
const fs = require('node:fs'), path = require('node:path');
fs.appendFileSync('runs.log', JSON.stringify({ dist: process.env.NEXT_DIST_DIR, base: process.env.CELERITY_BASE_PATH, env: process.env.NODE_ENV, telemetry: process.env.NEXT_TELEMETRY_DISABLED }) + '\\n');
if (fs.existsSync('fail')) process.exit(1);
fs.mkdirSync(process.env.NEXT_DIST_DIR, { recursive: true });
fs.writeFileSync(path.join(process.env.NEXT_DIST_DIR, 'BUILD_ID'), 'id-' + Date.now());
`;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function packageDir(version = '1.2.3'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'celerity-console-build-'));
  dirs.push(d);
  writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: 'celerity', version }));
  return d;
}

const runs = (dir: string) =>
  existsSync(path.join(dir, 'runs.log'))
    ? readFileSync(path.join(dir, 'runs.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>)
    : [];

async function ensure(dir: string, basePath: string) {
  const lines: string[] = [];
  const out = await ensureConsoleBuild({ packageDir: dir, basePath, log: (l) => lines.push(l), command: { cmd: process.execPath, args: ['-e', FAKE_BUILD] } });
  return { ...out, lines };
}

describe('ensureConsoleBuild', () => {
  it('serves the prebuilt build for the root, building nothing', async () => {
    const dir = packageDir();
    const r = await ensure(dir, '');
    expect(r.distDir).toBe('.next');
    expect(r.lines).toEqual([]);
    expect(runs(dir)).toEqual([]);
  });

  it('builds once for a base path, saying so in one line, and reuses the build afterwards', async () => {
    const dir = packageDir();
    const first = await ensure(dir, '/admin/jobs');
    expect(first.distDir).toBe(path.join('.next-base', slugOf('/admin/jobs')));
    expect(first.lines).toEqual([`Building the console for base path /admin/jobs (once; cached in ${path.join(dir, first.distDir)})`]);
    expect(runs(dir)).toEqual([{ dist: first.distDir, base: '/admin/jobs', env: 'production', telemetry: '1' }]);
    expect(JSON.parse(readFileSync(path.join(dir, first.distDir, BUILD_STAMP), 'utf8'))).toMatchObject({ version: '1.2.3', basePath: '/admin/jobs' });

    const second = await ensure(dir, '/admin/jobs');
    expect(second).toEqual({ distDir: first.distDir, lines: [] });
    expect(runs(dir)).toHaveLength(1);
  });

  it('keeps a build per base path', async () => {
    const dir = packageDir();
    const a = await ensure(dir, '/a/b');
    const b = await ensure(dir, '/a-b');
    expect(a.distDir).not.toBe(b.distDir);
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
    const { distDir } = await ensure(dir, '/admin/jobs');
    rmSync(path.join(dir, distDir, BUILD_STAMP));
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
