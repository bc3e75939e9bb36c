import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { distDir, isBuildStale, readBuildId, runBuild, type BuildOptions } from '../scripts/build-if-stale';

/**
 * The tests' console build proves that `next build` needs no Redis: it runs
 * with REDIS_URL at a loopback port that only counts TCP connections (nothing
 * there speaks Redis) and CELERITY_DATA_DIR at an empty directory (so
 * lib/redis.ts finds no managed Redis either). The build fails when `next
 * build` exits non-zero or anything connected; the outcome is recorded in
 * {@link BUILD_MARKER}, and a build without a good marker counts as stale for
 * the tests (test/security-support.ts, the e2e global setup), so the build
 * they use always carries that proof (test/build-without-redis.test.ts).
 */

/** Written into the build directory by {@link buildWithoutRedisIfStale}. */
export const BUILD_MARKER = 'celerity-build.json';

const markerSchema = z.object({
  /** The BUILD_ID this marker speaks for: a later plain build (`npm start`) does not inherit it. */
  buildId: z.string().min(1),
  /** The build ran with no Redis reachable (REDIS_URL at a tripwire, an empty data dir). */
  builtWithoutRedis: z.boolean(),
  /** Connections the tripwire saw during the build: anything but 0 means some module connects at build time. */
  redisConnections: z.number().int().min(0),
  builtAt: z.string(),
});
export type BuildMarker = z.output<typeof markerSchema>;

/** The marker of the build in `<root>/<distDir>`, or undefined when there is none (or it is unreadable). */
export function readBuildMarker(root: string): BuildMarker | undefined {
  try {
    const parsed = markerSchema.safeParse(JSON.parse(readFileSync(path.join(root, distDir(), BUILD_MARKER), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** True when the current build was made through the tripwire and nothing connected to it. */
export function builtWithoutRedis(root: string): boolean {
  const m = readBuildMarker(root);
  const buildId = readBuildId(root);
  return m !== undefined && buildId !== undefined && m.buildId === buildId && m.builtWithoutRedis && m.redisConnections === 0;
}

/** True when the build is stale, or was not made through the tripwire with nothing connecting to it. */
export function needsBuildWithoutRedis(root: string): boolean {
  return isBuildStale(root) || !builtWithoutRedis(root);
}

export interface RedisTripwire {
  /** A redis:// URL of the tripwire. */
  url: string;
  /**
   * How many connections reached the tripwire so far. Exact, not "probably
   * all": it connects once itself and counts everything the kernel accepted
   * before that connection (accepts come in order).
   */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A loopback TCP port that counts connections and closes each one at once.
 * Nothing there speaks Redis, so a client that reaches it gets no further.
 */
export async function startRedisTripwire(): Promise<RedisTripwire> {
  const seen: number[] = []; // remote ports, in accept order
  const probeAt: number[] = []; // where in `seen` our own probes are
  let onAccept: (() => void) | undefined;
  const server = net.createServer((socket) => {
    seen.push(socket.remotePort ?? -1);
    socket.destroy();
    onAccept?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    async connections() {
      const probe = net.connect({ port, host: '127.0.0.1' });
      const own = await new Promise<number>((resolve, reject) => {
        probe.once('connect', () => resolve(probe.localPort!));
        probe.once('error', reject);
      });
      probe.on('error', () => {}); // the server closes it at once
      const at = await new Promise<number>((resolve) => {
        const check = () => {
          const i = seen.lastIndexOf(own);
          if (i < 0) return;
          onAccept = undefined;
          resolve(i);
        };
        onAccept = check;
        check();
      });
      probe.destroy();
      probeAt.push(at);
      // Everything accepted before our probe, except earlier probes of ours.
      return at - probeAt.filter((i) => i < at).length;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function writeMarker(root: string, marker: BuildMarker): void {
  const file = path.join(root, distDir(), BUILD_MARKER);
  // Write-then-rename: a reader (another test file) never sees half a marker.
  writeFileSync(`${file}.tmp`, JSON.stringify(marker, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

/**
 * Build the console in `root` with Redis unreachable when
 * {@link needsBuildWithoutRedis} says so. Rejects when the build fails, and when
 * it tried to reach Redis.
 */
export async function buildWithoutRedisIfStale(root: string, options: Pick<BuildOptions, 'command'> = {}): Promise<void> {
  if (!needsBuildWithoutRedis(root)) return;
  const tripwire = await startRedisTripwire();
  const emptyDataDir = mkdtempSync(path.join(os.tmpdir(), 'celerity-build-data-'));
  try {
    rmSync(path.join(root, distDir(), BUILD_MARKER), { force: true });
    await runBuild(root, { ...options, env: { REDIS_URL: tripwire.url, CELERITY_DATA_DIR: emptyDataDir } });
    const redisConnections = await tripwire.connections();
    const buildId = readBuildId(root);
    if (!buildId) throw new Error(`next build exited 0 but wrote no ${path.join(distDir(), 'BUILD_ID')}`);
    writeMarker(root, { buildId, builtWithoutRedis: redisConnections === 0, redisConnections, builtAt: new Date().toISOString() });
    if (redisConnections > 0) {
      throw new Error(
        `next build tried to reach Redis (${redisConnections} connection${redisConnections === 1 ? '' : 's'} to the tripwire at ${tripwire.url}): ` +
          'a module connects at import or prerender time; create connections lazily (lib/redis.ts).',
      );
    }
  } finally {
    await tripwire.close();
    rmSync(emptyDataDir, { recursive: true, force: true });
  }
}
