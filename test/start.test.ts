import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManagedRedisState } from '@/lib/managed-redis-state';
import { ensureManagedRedis, stopManagedRedis } from '@/scripts/managed-redis';
import { freePort, pingRedis } from '@/scripts/redis-server';
import { ROOT, runTs, waitFor, type Proc } from './helpers';
import { ensureConsoleBuild } from './security-support';

/**
 * `npm start` as a user runs it (`node --import tsx cli/celerity.ts start -A worker/tasks/index.ts`, no
 * REDIS_URL), and the managed Redis under it. Every Redis here is one this
 * file starts, in its own temp data dir, so a developer's managed Redis in
 * `.data/` is never found, reused or stopped.
 */

/** Everything of this file lives under here; leftovers are found by this path in their command line or environment. */
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'celerity-start-test-'));
});

/**
 * Processes that mention `marker` in their command line or environment
 * (start.ts, console and worker get CELERITY_DATA_DIR): ones this file started.
 * Not redis-server: it overwrites both with its process title.
 */
function processesMentioning(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    for (const f of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${f}`, 'latin1').includes(marker)) {
          out.push(pid);
          break;
        }
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
  }
  return out;
}

/** Managed Redis servers started under `dir`, by the pidfiles they write into their data dirs. */
function redisServersUnder(dir: string): number[] {
  const pidfiles = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'redis.pid');
  return pidfiles.flatMap((f) => {
    try {
      const pid = Number(readFileSync(path.join(dir, f), 'utf8').trim());
      // Only if that pid is still a redis-server (pids get reused).
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server') ? [pid] : [];
    } catch {
      return [];
    }
  });
}

/** A test that failed halfway must not leave a start, console, worker or Redis running. */
function killLeftovers(): void {
  if (!tmp) return;
  for (const pid of [...processesMentioning(tmp), ...redisServersUnder(tmp)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
afterEach(killLeftovers);
afterAll(() => {
  killLeftovers();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Gone, or a zombie nobody has reaped yet (dead all the same). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

/** Child processes of `pid` with their command lines. */
function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // Not a process, or gone meanwhile.
    }
  }
  return out;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * `npm start` exactly as npm runs it, with REDIS_URL removed (so it manages its
 * own Redis), its data dir in `dataDir`, no accounts, and the tests' console
 * build (NEXT_DIST_DIR is inherited, and ensureConsoleBuild made it current).
 */
function npmStart(dataDir: string, port: number): Proc {
  return runTs('cli/celerity.ts', ['start', '-A', 'worker/tasks/index.ts'], {
    REDIS_URL: undefined,
    CELERITY_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    CELERITY_USERS: '',
    CELERITY_USERS_FILE: '',
    CELERITY_INSECURE: '0',
    CELERITY_LOG_LEVEL: 'info',
    CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
    CELERITY_HEARTBEAT_MS: '1000',
  });
}

/** The console and worker processes that start.ts runs. */
function consoleAndWorker(startPid: number): { console: number; worker: number } {
  const kids = childrenOf(startPid);
  const find = (entry: string) => {
    const k = kids.filter((c) => c.cmd.includes(entry));
    expect(k, `one child running ${entry} among ${JSON.stringify(kids)}`).toHaveLength(1);
    return k[0]!.pid;
  };
  return { console: find('celerity.ts console'), worker: find('celerity.ts worker') };
}

const BANNER = /^Celerity is running: (http:\/\/\S+) {2}\(Redis: (redis:\/\/\S+), worker: 1\)/m;

describe('npm start', () => {
  beforeAll(() => ensureConsoleBuild(ROOT), 600_000);

  it('runs a managed Redis, the console and a worker; Ctrl-C stops all three', async () => {
    const dataDir = path.join(tmp, 'fresh');
    const redisDir = path.join(dataDir, 'redis');
    const port = await freePort();
    const start = npmStart(dataDir, port);

    const banner = BANNER.exec(await start.waitForOutput(BANNER, 120_000))!;
    expect(banner[1]).toBe(`http://127.0.0.1:${port}`);
    expect(start.output()).toMatch(/Started managed Redis at redis:\/\/127\.0\.0\.1:\d+/);
    const state = readManagedRedisState(redisDir)!;
    expect(state, 'the state file of the managed Redis').toBeDefined();
    expect(banner[2]).toBe(state.url);
    const base = banner[1]!;

    // The console answers and reaches Redis.
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: 'up' });

    // One live worker: its heartbeat is there, from the worker process start.ts runs.
    const pids = consoleAndWorker(start.child.pid!);
    const workers = await waitFor(
      'the worker heartbeat',
      async () => (await (await fetch(`${base}/api/v1/workers`)).json()) as { alive: { pid: number }[] },
      (w) => w.alive.length > 0,
      30_000,
    );
    expect(workers.alive.map((w) => w.pid)).toEqual([pids.worker]);

    // The classic first task runs through it.
    const res = await fetch(`${base}/api/v1/tasks/hello/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args: {} }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { queue, id } = (await res.json()) as { queue: string; id: string };
    const job = await waitFor(
      'the hello job to complete',
      async () => (await (await fetch(`${base}/api/v1/queues/${queue}/jobs/${id}`)).json()) as { state: string; result: unknown },
      (j) => j.state === 'completed' || j.state === 'failed',
      30_000,
    );
    expect(job).toMatchObject({ state: 'completed', result: 'hello world' });

    // The managed Redis runs the way issue 3 asks.
    const redis = new Redis(state.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      const config = async (name: string) => ((await redis.config('GET', name)) as string[])[1];
      expect(await config('bind')).toBe('127.0.0.1');
      expect(await config('appendonly')).toBe('yes');
      expect(await config('appendfsync')).toBe('everysec');
      expect(await config('maxmemory-policy')).toBe('noeviction');
      expect(await config('dir')).toBe(realpathSync(redisDir));
    } finally {
      redis.disconnect();
    }

    // Ctrl-C (npm forwards SIGINT to start.ts).
    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    const out = start.output();
    expect(out).toMatch(/Stopped the console, the worker and the managed Redis \(its data stays in \S+\)\.\s*$/);
    expect(out.match(/Celerity is running:/g)).toHaveLength(1);
    for (const [what, pid] of [
      ['console', pids.console],
      ['worker', pids.worker],
      ['redis-server', state.pid],
    ] as const) {
      expect(gone(pid), `${what} (pid ${pid}) is gone`).toBe(true);
    }
    expect(await listening(port), 'console port').toBe(false);
    expect(await listening(state.port), 'Redis port').toBe(false);
    // Stopped cleanly and forgotten; its data stays for the next start.
    expect(readManagedRedisState(redisDir)).toBeUndefined();
    expect(existsSync(path.join(redisDir, 'appendonlydir'))).toBe(true);
  }, 240_000);

  it('reuses a managed Redis left running, and stops it too when the worker dies', async () => {
    const dataDir = path.join(tmp, 'left-running');
    const redisDir = path.join(dataDir, 'redis');
    // As if an earlier start had been killed outright: a managed Redis is still running.
    const left = await ensureManagedRedis({ dir: redisDir, log: () => {} });
    expect(left.reused).toBe(false);
    const port = await freePort();
    const start = npmStart(dataDir, port);

    await start.waitForOutput(BANNER, 120_000);
    expect(start.output()).toContain(`Reusing managed Redis at ${left.url}`);
    const pids = consoleAndWorker(start.child.pid!);

    process.kill(pids.worker, 'SIGKILL');
    expect(await start.exited).toBe(1);
    const out = start.output();
    expect(out).toMatch(/The worker exited unexpectedly \(SIGKILL\); stopping the console and the managed Redis\./);
    expect(out).toMatch(/Stopped the console and the managed Redis \(its data stays in \S+\)\.\s*$/);
    expect(gone(pids.console), 'console').toBe(true);
    expect(gone(left.pid), 'the reused redis-server').toBe(true);
    expect(await listening(port)).toBe(false);
    expect(await listening(left.port)).toBe(false);
    expect(readManagedRedisState(redisDir)).toBeUndefined();
  }, 240_000);
});

describe('ensureManagedRedis', () => {
  it('reuses the running one; stopManagedRedis stops it with its data flushed', async () => {
    const dir = path.join(tmp, 'direct', 'redis');
    const first = await ensureManagedRedis({ dir, log: () => {} });
    expect(first.reused).toBe(false);
    const second = await ensureManagedRedis({ dir, log: () => {} });
    expect(second).toEqual({ ...first, reused: true });

    const redis = new Redis(first.url, { maxRetriesPerRequest: 1 });
    await redis.set('celerity-start-test', 'kept');
    redis.disconnect();

    expect(await stopManagedRedis({ dir })).toBe('stopped');
    expect(gone(first.pid)).toBe(true);
    expect(await pingRedis(first.port)).toBe(false);
    expect(readManagedRedisState(dir)).toBeUndefined();
    expect(await stopManagedRedis({ dir })).toBe('not-running');

    // A new server on the same data dir finds what the stopped one wrote (its AOF).
    const third = await ensureManagedRedis({ dir, log: () => {} });
    expect(third.reused).toBe(false);
    expect(third.pid).not.toBe(first.pid);
    const again = new Redis(third.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await again.get('celerity-start-test')).toBe('kept');
    } finally {
      again.disconnect();
    }
    expect(await stopManagedRedis({ dir })).toBe('stopped');
  });

  it('without redis-server and not root: says how to install it or set REDIS_URL, and starts nothing', async () => {
    const dir = path.join(tmp, 'missing', 'redis');
    const lines: string[] = [];
    const attempt = ensureManagedRedis({ dir, log: (l) => lines.push(l), findRedisServer: () => undefined, isRoot: () => false });
    await expect(attempt).rejects.toThrow(/redis-server is not installed\. Install it with `sudo apt-get install -y redis-server`.*or set REDIS_URL/s);
    expect(lines).toEqual([]); // no "Installing redis-server with apt…"
    expect(existsSync(dir), 'no data dir was made, no server started').toBe(false);
  });
});
