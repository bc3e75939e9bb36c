import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRedisServer, type RunningRedis } from '../scripts/redis-server';
import { DEMO_WORKER } from '../scripts/demo-worker';

/**
 * The chaos suite's machinery: a private redis-server (AOF on, so a restart
 * keeps what was acknowledged), worker processes on chaos/chaos-tasks.ts
 * (`celerity worker`), and the log of every handler start and end those
 * workers print. Scenarios (chaos/scenarios.ts) drive it; nothing here judges.
 */

const ROOT = path.resolve(import.meta.dirname, '..');

/** One handler line: which process, when. */
export interface Mark {
  pid: number;
  at: number;
}

/** Every handler start, end and abort of every worker, by job id (from their `CHAOS …` lines). */
export class RunLog {
  readonly starts = new Map<string, Mark[]>();
  readonly ends = new Map<string, Mark[]>();
  readonly aborts = new Map<string, Mark[]>();

  record(line: string): void {
    const m = /^CHAOS (start|end|abort) (\S+) (\d+) (\d+)/.exec(line);
    if (!m) return;
    const map = m[1] === 'start' ? this.starts : m[1] === 'end' ? this.ends : this.aborts;
    const list = map.get(m[2]!) ?? map.set(m[2]!, []).get(m[2]!)!;
    list.push({ pid: Number(m[3]), at: Number(m[4]) });
  }

  /** Jobs whose handler `pid` started and had not ended (nor aborted) by `at`. */
  openOn(pid: number, at: number): string[] {
    const open: string[] = [];
    for (const [jobId, starts] of this.starts) {
      const mine = starts.filter((s) => s.pid === pid && s.at <= at).length;
      const done = [...(this.ends.get(jobId) ?? []), ...(this.aborts.get(jobId) ?? [])].filter((e) => e.pid === pid && e.at <= at).length;
      if (mine > done) open.push(jobId);
    }
    return open;
  }
}

export interface ChaosWorker {
  pid: number;
  id: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** SIGKILL; resolves with the instant of the kill once the process is gone. */
  kill9(): Promise<number>;
  /** SIGTERM; resolves with the exit code and how long the drain took. */
  sigterm(): Promise<{ code: number | null; ms: number }>;
}

export interface ChaosRig {
  redisUrl: string;
  /** The handler lines of the current scenario's workers. */
  readonly log: RunLog;
  /** Between scenarios: every worker killed, Redis emptied, a new log. */
  reset(): Promise<void>;
  workers: Set<ChaosWorker>;
  /** A worker process (`celerity worker -A chaos/chaos-tasks.ts`), resolved once ready. */
  startWorker(env?: Record<string, string>): Promise<ChaosWorker>;
  /** Stop Redis (SIGTERM: AOF flushed), wait `downMs`, start it again on the same port and data. */
  restartRedis(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(workerEnv: Record<string, string>): Promise<ChaosRig> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-chaos-'));
  const port = await freePort();
  const start = () => startRedisServer({ port, dir, appendonly: true });
  let redis: RunningRedis = await start();
  let log = new RunLog();
  const workers = new Set<ChaosWorker>();

  const startWorker = (env: Record<string, string> = {}) =>
    spawnWorker({ ...workerEnv, REDIS_URL: redis.url, CELERITY_LOG_LEVEL: 'info', ...env }, log).then((w) => {
      workers.add(w);
      void w.exited.then(() => workers.delete(w));
      return w;
    });

  return {
    redisUrl: redis.url,
    get log() {
      return log;
    },
    workers,
    startWorker,
    async reset() {
      await Promise.all([...workers].map((w) => w.kill9()));
      const { Redis } = await import('ioredis');
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
      log = new RunLog();
    },
    async restartRedis(downMs) {
      await redis.stop();
      await new Promise((r) => setTimeout(r, downMs));
      redis = await start();
    },
    async close() {
      await Promise.all([...workers].map((w) => w.kill9()));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnWorker(env: Record<string, string>, log: RunLog): Promise<ChaosWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO_WORKER[0]!, ...DEMO_WORKER.slice(1, 2), '-A', 'chaos/chaos-tasks.ts'], {
    cwd: ROOT,
    // A harness, as bench/ is: its workers get this process's environment plus their settings.
    // eslint-disable-next-line no-restricted-properties
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let tail = '';
  let buffered = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        log.record(line);
        const id = /worker ready id="([^"]+)"/.exec(line)?.[1];
        if (id) resolve(id);
        tail = `${tail}${line}\n`.slice(-4000);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (tail = `${tail}${d.toString()}`.slice(-4000)));
    void exited.then((code) => reject(new Error(`chaos worker exited (${code}) before ready:\n${tail}`)));
  });
  return ready.then((id) => ({
    pid: child.pid!,
    id,
    child,
    exited,
    async kill9() {
      const at = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      return at;
    },
    async sigterm() {
      const at = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - at };
    },
  }));
}
