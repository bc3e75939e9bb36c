import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDistDir } from '@/lib/env';
import { createRedis } from '@/lib/redis';
import { distDir, isBuildStale } from '../scripts/build-if-stale';
import { BUILD_MARKER, buildWithoutRedisIfStale, needsBuildWithoutRedis, readBuildMarker, startRedisTripwire } from './build-tripwire';
import { ROOT } from './helpers';
import { ensureConsoleBuild } from './security-support';

/**
 * Issue 3: "`next build` succeeds with Redis not running". The tests' console
 * build (ensureConsoleBuild) runs `next build` with REDIS_URL at a tripwire
 * that counts connections and an empty data dir, and records the outcome in a
 * marker; here we check the marker of the build in use, and that the tripwire
 * and buildWithoutRedisIfStale really catch a build that connects or fails (with a
 * stand-in for `next build`, so this costs no second build).
 */

describe('the console build in use', () => {
  beforeAll(() => ensureConsoleBuild(ROOT), 600_000);

  it('was made with Redis unreachable, and nothing tried to connect to it', () => {
    const marker = readBuildMarker(ROOT);
    expect(marker, `${path.join(distDir(), BUILD_MARKER)} is missing or unreadable`).toBeDefined();
    expect(marker).toMatchObject({ builtWithoutRedis: true, redisConnections: 0 });
    // The marker speaks for this very build, not an earlier one.
    expect(marker!.buildId).toBe(readFileSync(path.join(ROOT, distDir(), 'BUILD_ID'), 'utf8').trim());
    expect(needsBuildWithoutRedis(ROOT)).toBe(false);
  });
});

/** Open a TCP connection and resolve once the other side has closed it. */
function connectAndClose(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostname, port: Number(port) });
    s.once('error', reject);
    s.once('close', () => resolve());
  });
}

describe('the Redis tripwire', () => {
  it('counts every connection, raw sockets and a real Redis client alike', async () => {
    const tripwire = await startRedisTripwire();
    try {
      expect(await tripwire.connections()).toBe(0);
      for (let i = 0; i < 3; i++) await connectAndClose(tripwire.url);
      // Its own probes are not counted: asking twice gives the same answer.
      expect(await tripwire.connections()).toBe(3);
      expect(await tripwire.connections()).toBe(3);

      const client = createRedis('command', tripwire.url);
      try {
        await expect(client.ping()).rejects.toThrow();
      } finally {
        client.disconnect();
      }
      expect(await tripwire.connections()).toBeGreaterThan(3);
    } finally {
      await tripwire.close();
    }
  });
});

describe('buildWithoutRedisIfStale (a stand-in for next build)', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  /**
   * A project root whose "build" is a node script: it writes BUILD_ID and what
   * it saw of its environment, and with `--connect` / `--fail` connects to
   * REDIS_URL / exits 3.
   */
  function fakeProject(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'celerity-fake-build-'));
    roots.push(root);
    writeFileSync(
      path.join(root, 'fake-build.cjs'),
      `const fs = require('node:fs'), net = require('node:net'), path = require('node:path');
const dist = ${JSON.stringify(distDir())};
fs.mkdirSync(dist, { recursive: true });
fs.writeFileSync(path.join(dist, 'BUILD_ID'), 'fake-' + process.pid);
const dataDir = process.env.CELERITY_DATA_DIR;
fs.writeFileSync(path.join(dist, 'seen.json'), JSON.stringify({ redisUrl: process.env.REDIS_URL, dataDir, dataDirEntries: fs.readdirSync(dataDir) }));
if (process.argv.includes('--fail')) process.exit(3);
if (process.argv.includes('--connect')) {
  const u = new URL(process.env.REDIS_URL);
  const s = net.connect({ host: u.hostname, port: Number(u.port) });
  s.on('close', () => process.exit(0));
  s.on('error', () => process.exit(0));
}
`,
    );
    return root;
  }
  const build = (root: string, ...flags: string[]) =>
    buildWithoutRedisIfStale(root, { command: { cmd: process.execPath, args: ['fake-build.cjs', ...flags] } });
  const seen = (root: string) =>
    JSON.parse(readFileSync(path.join(root, distDir(), 'seen.json'), 'utf8')) as { redisUrl: string; dataDir: string; dataDirEntries: string[] };

  it('a build that stays away from Redis passes and gets a good marker', async () => {
    const root = fakeProject();
    expect(needsBuildWithoutRedis(root)).toBe(true);
    await build(root);
    const s = seen(root);
    // The build saw the tripwire, never the tests' own Redis, and an empty data dir (no managed Redis to find).
    expect(s.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(s.redisUrl).not.toBe(process.env.REDIS_URL);
    expect(s.dataDirEntries).toEqual([]);
    expect(existsSync(s.dataDir)).toBe(false); // cleaned up afterwards
    expect(readBuildMarker(root)).toMatchObject({
      builtWithoutRedis: true,
      redisConnections: 0,
      buildId: readFileSync(path.join(root, distDir(), 'BUILD_ID'), 'utf8'),
    });
    expect(needsBuildWithoutRedis(root)).toBe(false);
  });

  it('a build that connects to REDIS_URL fails, and its marker says so', async () => {
    const root = fakeProject();
    await expect(build(root, '--connect')).rejects.toThrow(/next build tried to reach Redis \(1 connection to the tripwire/);
    expect(readBuildMarker(root)).toMatchObject({ builtWithoutRedis: false, redisConnections: 1 });
    // Not good enough for the tests: rebuilt next time, while a plain start would accept it.
    expect(needsBuildWithoutRedis(root)).toBe(true);
    expect(isBuildStale(root)).toBe(false);
  });

  it('a build that exits non-zero fails and leaves no marker', async () => {
    const root = fakeProject();
    await expect(build(root, '--fail')).rejects.toThrow(/next build failed \(exit code 3\)/);
    expect(readBuildMarker(root)).toBeUndefined();
  });

  it('a new lockfile makes the build stale (a dependency upgrade rebuilds), and the rebuild is fresh', async () => {
    const root = fakeProject();
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    await build(root);
    const buildId = path.join(root, distDir(), 'BUILD_ID');
    const first = readFileSync(buildId, 'utf8');
    // The lockfile is two minutes old, the build one; then `npm install` upgrades a dependency: only the lockfile changes.
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    utimesSync(path.join(root, 'package-lock.json'), minutesAgo(2), minutesAgo(2));
    utimesSync(buildId, minutesAgo(1), minutesAgo(1));
    expect(isBuildStale(root)).toBe(false);
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    expect(isBuildStale(root)).toBe(true);
    await build(root);
    expect(readFileSync(buildId, 'utf8')).not.toBe(first);
    expect(isBuildStale(root)).toBe(false);
  });

  it('a marker of another build does not count', async () => {
    const root = fakeProject();
    await build(root);
    expect(needsBuildWithoutRedis(root)).toBe(false);
    // A plain rebuild (no tripwire) writes a new BUILD_ID and leaves the old marker behind.
    writeFileSync(path.join(root, distDir(), 'BUILD_ID'), 'another-build');
    expect(needsBuildWithoutRedis(root)).toBe(true);
    expect(readdirSync(path.join(root, distDir()))).toContain(BUILD_MARKER);
  });
});

describe('nextDistDir (NEXT_DIST_DIR, read by next.config.ts and the build scripts)', () => {
  const saved = process.env.NEXT_DIST_DIR;
  afterAll(() => {
    if (saved === undefined) delete process.env.NEXT_DIST_DIR;
    else process.env.NEXT_DIST_DIR = saved;
  });
  const withValue = (v: string | undefined) => {
    if (v === undefined) delete process.env.NEXT_DIST_DIR;
    else process.env.NEXT_DIST_DIR = v;
    return nextDistDir();
  };

  it('defaults to .next and keeps a directory inside the project', () => {
    expect(withValue(undefined)).toBe('.next');
    expect(withValue(' ')).toBe('.next');
    expect(withValue('.next-mine')).toBe('.next-mine');
    expect(withValue('build/console')).toBe('build/console');
  });

  it('refuses a directory outside the project, naming the variable', () => {
    for (const bad of ['../elsewhere', '/tmp/next', 'a/../../b']) {
      expect(() => withValue(bad)).toThrow(/NEXT_DIST_DIR: must be a directory inside the project/);
    }
  });
});
