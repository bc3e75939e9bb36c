import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { childEnv } from '../lib/env';
import { managedRedisDir, managedRedisStatePath, readManagedRedisState, type ManagedRedisState } from '../lib/managed-redis-state';
import { findRedisServer, freePort, pingRedis, startRedisServer, waitForRedis, type RunningRedis } from './redis-server';

/**
 * The "managed Redis" of `npm start`: when REDIS_URL is unset we run our own
 * redis-server, detached, with its data in `${CELERITY_DATA_DIR}/redis`, and
 * reuse it on the next start so queued jobs and schedules survive restarts of
 * the console and worker. A small state file remembers its port and pid; the
 * console and worker find the server through it (lib/managed-redis-state.ts),
 * never by spawning anything.
 */

/** Off the default 6379 so we never collide with (or touch) a system Redis. */
const PREFERRED_PORT = 6390;

/**
 * Whether the process exists and is not a zombie. The managed Redis is not our
 * child after a restart, and in containers nobody may reap it, so a dead Redis
 * can linger as a zombie that `kill(pid, 0)` still reports as alive.
 */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // No /proc (macOS): trust kill(0).
  }
}

/** Whether pid is a redis-server (guards against the pid being reused by something else). */
function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return true; // No /proc: we cannot tell, assume it is ours.
  }
}

/** True when nothing listens on 127.0.0.1:port. Checked before starting so we never mistake another Redis for ours. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: 'inherit',
      env: childEnv({ DEBIAN_FRONTEND: 'noninteractive' }),
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

export interface ManagedRedisOptions {
  /** Data directory (default {@link managedRedisDir}). */
  dir?: string;
  /** Where progress lines go (default: stdout). */
  log?: (line: string) => void;
  /**
   * How to find redis-server and whether we may install it with apt. The
   * defaults look at this machine; tests swap them to see the "not installed,
   * not root" path on a CI machine that runs as root with Redis installed.
   */
  findRedisServer?: () => string | undefined;
  isRoot?: () => boolean;
}

/** Make sure redis-server is installed: apt-get as root, otherwise a message that says what to do. */
async function requireRedisServer(log: (line: string) => void, find: () => string | undefined, isRoot: () => boolean): Promise<void> {
  if (find()) return;
  if (!isRoot()) {
    throw new Error(
      'redis-server is not installed. Install it with `sudo apt-get install -y redis-server` ' +
        '(or run scripts/install-system-deps.sh), or set REDIS_URL to an existing Redis, ' +
        'e.g. REDIS_URL=redis://127.0.0.1:6379 npm start',
    );
  }
  log('Installing redis-server with apt…');
  await run('apt-get', ['update']);
  await run('apt-get', ['install', '-y', 'redis-server']);
  // Debian starts a system Redis on 6379 after installing; we leave it alone and use our own port.
  if (!find()) throw new Error('apt-get finished but redis-server is still not on PATH');
}

/** Ports to try: the chosen one may be taken between our check and redis-server's bind. */
const START_ATTEMPTS = 3;

/**
 * Start the managed Redis, or reuse the one a previous `npm start` left running.
 *
 * Reuse needs both a live pid and an answer to PING on the recorded port. A
 * fresh server runs detached (its own process group, so a Ctrl-C in the
 * terminal does not reach it; `npm start` stops it itself), with AOF on, on
 * port 6390 when free, else on any free port. Installs redis-server with apt
 * when missing and running as root; otherwise throws with install instructions.
 *
 * @returns where it listens, its pid, and whether an already running server was reused
 */
export async function ensureManagedRedis(options: ManagedRedisOptions = {}): Promise<{ url: string; port: number; pid: number; reused: boolean }> {
  const dir = options.dir ?? managedRedisDir();
  const log = options.log ?? ((line: string) => console.log(line));
  const state = readManagedRedisState(dir);
  if (state && pidAlive(state.pid) && isRedisProcess(state.pid)) {
    const reused = { url: state.url, port: state.port, pid: state.pid, reused: true };
    if (await pingRedis(state.port)) return reused;
    // Alive but silent: it may still be loading a large AOF. Starting a second server on the
    // same data directory would corrupt it, so wait a while and then refuse.
    try {
      await waitForRedis(state.port, 15_000);
      return reused;
    } catch {
      throw new Error(
        `The managed Redis (pid ${state.pid}) is running but does not answer on port ${state.port}. ` +
          `See ${path.join(dir, 'redis.log')}; stop it with \`npm run redis:stop\` and start again.`,
      );
    }
  }

  await requireRedisServer(log, options.findRedisServer ?? findRedisServer, options.isRoot ?? (() => process.getuid?.() === 0));
  mkdirSync(dir, { recursive: true });
  let redis: RunningRedis | undefined;
  for (let attempt = 1; !redis; attempt++) {
    const port = attempt === 1 && (await portFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
    try {
      redis = await startRedisServer({
        port,
        dir,
        detached: true,
        appendonly: true,
        logfile: path.join(dir, 'redis.log'),
        pidfile: path.join(dir, 'redis.pid'),
      });
    } catch (err) {
      // Another process may have taken the port since we looked; a different one will do.
      if (attempt >= START_ATTEMPTS) throw err;
    }
  }
  if (redis.pid === undefined) throw new Error('redis-server started without a pid');
  const next: ManagedRedisState = { port: redis.port, pid: redis.pid, url: redis.url, startedAt: new Date().toISOString() };
  // Write-then-rename so a reader never sees half a file.
  writeFileSync(`${managedRedisStatePath(dir)}.tmp`, JSON.stringify(next, null, 2) + '\n');
  renameSync(`${managedRedisStatePath(dir)}.tmp`, managedRedisStatePath(dir));
  return { url: redis.url, port: redis.port, pid: redis.pid, reused: false };
}

/** How long {@link stopManagedRedis} waits for a clean exit by default. */
export const MANAGED_REDIS_STOP_TIMEOUT_MS = 15_000;

/**
 * Stop the managed Redis (SIGTERM, which makes it flush the AOF) and forget it.
 * Its data stays for the next start.
 *
 * @param options.dir data directory (default {@link managedRedisDir})
 * @param options.timeoutMs how long to wait for a clean exit before SIGKILL
 * @returns what happened, for the caller to print
 */
export async function stopManagedRedis(options: { dir?: string; timeoutMs?: number } = {}): Promise<'stopped' | 'killed' | 'not-running'> {
  const dir = options.dir ?? managedRedisDir();
  const timeoutMs = options.timeoutMs ?? MANAGED_REDIS_STOP_TIMEOUT_MS;
  const state = readManagedRedisState(dir);
  const forget = () => rmSync(managedRedisStatePath(dir), { force: true });
  if (!state || !pidAlive(state.pid) || !isRedisProcess(state.pid)) {
    if (existsSync(managedRedisStatePath(dir))) forget();
    return 'not-running';
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      forget();
      return 'killed';
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  forget();
  return 'stopped';
}
