/**
 * Production build of the console only when it is missing or older than its
 * sources. Used by `npm start`, the e2e global setup, the Vitest tests that run
 * server.ts (test/security-support.ts) and the benchmarks.
 *
 * Framework-free on purpose (node: modules, zod and lib/env.ts, which imports
 * nothing else), so any script — tsx, Playwright's loader, vitest — can import it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { childEnv, nextDistDir } from '../lib/env';

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

/** Written into the build directory by a build made with {@link BuildOptions.withoutRedis}. */
export const BUILD_MARKER = 'celerity-build.json';

const markerSchema = z.object({
  /** The BUILD_ID this marker speaks for: a later build without the option does not inherit it. */
  buildId: z.string().min(1),
  /** The build ran with no Redis reachable (REDIS_URL at a tripwire, an empty data dir). */
  builtWithoutRedis: z.boolean(),
  /** Connections the tripwire saw during the build: anything but 0 means some module connects at build time. */
  redisConnections: z.number().int().min(0),
  builtAt: z.string(),
});
export type BuildMarker = z.output<typeof markerSchema>;

export interface BuildOptions {
  /**
   * Prove that the build needs no Redis: `next build` runs with REDIS_URL at a
   * loopback port that only counts TCP connections (nothing there speaks Redis)
   * and CELERITY_DATA_DIR at an empty directory (so lib/redis.ts finds no
   * managed Redis either). The build fails when `next build` exits non-zero or
   * anything connected; the outcome is recorded in {@link BUILD_MARKER}, and a
   * build without a good marker counts as stale.
   */
  withoutRedis?: boolean;
  /** Stops a running build (start.ts: Ctrl-C while building). */
  signal?: AbortSignal;
  /**
   * What builds, run in `root` (default: `node_modules/.bin/next build`). Tests
   * substitute a small script to check the tripwire without a three-minute build.
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

function readBuildId(root: string): string | undefined {
  try {
    return readFileSync(path.join(root, distDir(), 'BUILD_ID'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

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

/**
 * True when `<root>/<distDir>/BUILD_ID` is missing or older than any file in
 * {@link BUILD_INPUTS} — or, with `withoutRedis`, when the build has no good
 * {@link BUILD_MARKER}.
 */
export function isBuildStale(root: string, options: Pick<BuildOptions, 'withoutRedis'> = {}): boolean {
  const buildId = path.join(root, distDir(), 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  if (BUILD_INPUTS.some((p) => newestMtime(path.join(root, p)) > built)) return true;
  return options.withoutRedis === true && !builtWithoutRedis(root);
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

/**
 * Run the build command; rejects on a non-zero exit or a signal. An abort
 * sends it SIGTERM and rejects only once it has exited, so the caller can
 * rely on no build still running.
 */
function runBuild(root: string, env: NodeJS.ProcessEnv, options: BuildOptions): Promise<void> {
  const { cmd, args } = options.command ?? { cmd: path.join(root, 'node_modules', '.bin', 'next'), args: ['build'] };
  const { signal } = options;
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

function writeMarker(root: string, marker: BuildMarker): void {
  const file = path.join(root, distDir(), BUILD_MARKER);
  // Write-then-rename: a reader (another test file) never sees half a marker.
  writeFileSync(`${file}.tmp`, JSON.stringify(marker, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

/**
 * Run `next build` in `root` when {@link isBuildStale} says so; its output goes
 * to this process's stdout/stderr. Rejects when the build fails (and, with
 * `withoutRedis`, when it tried to reach Redis).
 */
export async function buildIfStale(root: string, options: BuildOptions = {}): Promise<void> {
  if (!isBuildStale(root, options)) return;
  // NODE_ENV left out: next build sets it itself and warns about a non-standard value.
  const base = { NODE_ENV: undefined, NEXT_TELEMETRY_DISABLED: '1' };
  if (!options.withoutRedis) {
    await runBuild(root, childEnv(base), options);
    return;
  }

  const tripwire = await startRedisTripwire();
  const emptyDataDir = mkdtempSync(path.join(os.tmpdir(), 'celerity-build-data-'));
  try {
    rmSync(path.join(root, distDir(), BUILD_MARKER), { force: true });
    await runBuild(root, childEnv({ ...base, REDIS_URL: tripwire.url, CELERITY_DATA_DIR: emptyDataDir }), options);
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
