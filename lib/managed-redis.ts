import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { childEnv, env } from './env';
import { findRedisServer, freePort, pingRedis, startRedisServer, waitForRedis } from './redis-server';

/**
 * The "managed Redis" of `npm start`: when REDIS_URL is unset we run our own
 * redis-server, detached, with its data in `${CELERITY_DATA_DIR}/redis`, and
 * reuse it on the next start so queued jobs and schedules survive restarts of
 * the console and worker. A small state file remembers its port and pid.
 */

/** Off the default 6379 so we never collide with (or touch) a system Redis. */
const PREFERRED_PORT = 6390;

interface ManagedState {
  port: number;
  pid: number;
  url: string;
  startedAt: string;
}

/** Absolute data directory of the managed Redis (AOF, log, pidfile, state file). */
export function managedRedisDir(): string {
  return path.resolve(process.cwd(), env().CELERITY_DATA_DIR, 'redis');
}

function statePath(): string {
  return path.join(managedRedisDir(), 'managed.json');
}

/** The recorded state, or undefined when there is none or it is unreadable (treated as "not running"). */
function readState(): ManagedState | undefined {
  try {
    const s = JSON.parse(readFileSync(statePath(), 'utf8')) as Partial<ManagedState>;
    if (typeof s.port === 'number' && typeof s.pid === 'number' && typeof s.url === 'string') {
      return s as ManagedState;
    }
  } catch {
    // Missing or half-written file: same as no managed Redis.
  }
  return undefined;
}

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

/** Make sure redis-server is installed: apt-get as root, otherwise a message that says what to do. */
async function requireRedisServer(log: (line: string) => void): Promise<void> {
  if (findRedisServer()) return;
  if (process.getuid?.() !== 0) {
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
  if (!findRedisServer()) throw new Error('apt-get finished but redis-server is still not on PATH');
}

/**
 * Start the managed Redis, or reuse the one a previous `npm start` left running.
 *
 * Reuse needs both a live pid and an answer to PING on the recorded port. A
 * fresh server runs detached (it outlives this process), with AOF on, on port
 * 6390 when free, else on any free port. Installs redis-server with apt when
 * missing and running as root; otherwise throws with install instructions.
 *
 * @param log where progress lines go (default: stdout)
 * @returns the Redis URL and whether an already running server was reused
 */
export async function ensureManagedRedis(
  log: (line: string) => void = (line) => console.log(line),
): Promise<{ url: string; reused: boolean }> {
  const dir = managedRedisDir();
  const state = readState();
  if (state && pidAlive(state.pid) && isRedisProcess(state.pid)) {
    if (await pingRedis(state.port)) return { url: state.url, reused: true };
    // Alive but silent: it may still be loading a large AOF. Starting a second server on the
    // same data directory would corrupt it, so wait a while and then refuse.
    try {
      await waitForRedis(state.port, 15_000);
      return { url: state.url, reused: true };
    } catch {
      throw new Error(
        `The managed Redis (pid ${state.pid}) is running but does not answer on port ${state.port}. ` +
          `See ${path.join(dir, 'redis.log')}; stop it with \`npm run redis:stop\` and start again.`,
      );
    }
  }

  await requireRedisServer(log);
  mkdirSync(dir, { recursive: true });
  const port = (await portFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  const redis = await startRedisServer({
    port,
    dir,
    detached: true,
    appendonly: true,
    logfile: path.join(dir, 'redis.log'),
    pidfile: path.join(dir, 'redis.pid'),
  });
  if (redis.pid === undefined) throw new Error('redis-server started without a pid');
  const next: ManagedState = { port, pid: redis.pid, url: redis.url, startedAt: new Date().toISOString() };
  // Write-then-rename so a reader never sees half a file.
  writeFileSync(`${statePath()}.tmp`, JSON.stringify(next, null, 2) + '\n');
  renameSync(`${statePath()}.tmp`, statePath());
  return { url: redis.url, reused: false };
}

/**
 * URL of the managed Redis as recorded in its state file, without checking it
 * answers. Lets `lib/redis.ts` find it when REDIS_URL is unset (e.g. `npm run
 * worker` next to an `npm start`).
 */
export function managedRedisUrlIfRunning(): string | undefined {
  return readState()?.url;
}

/**
 * Stop the managed Redis (SIGTERM, which makes it flush the AOF) and forget it.
 *
 * @param timeoutMs how long to wait for a clean exit before SIGKILL
 * @returns what happened, for the caller to print
 */
export async function stopManagedRedis(timeoutMs = 15_000): Promise<'stopped' | 'killed' | 'not-running'> {
  const state = readState();
  const forget = () => rmSync(statePath(), { force: true });
  if (!state || !pidAlive(state.pid) || !isRedisProcess(state.pid)) {
    if (existsSync(statePath())) forget();
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
