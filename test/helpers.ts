import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { forEachMaster, type RedisConnection } from '../lib/redis';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_STATES, type QueueCounts } from '@/lib/data/queue-states';
import { phaseOf } from '@/lib/scheduler/interval-grid';
import { bullKey } from '@/lib/keys';
import { createLogger } from '@/lib/logger';
import { startWorker, type RunningWorker, type StartWorkerOptions } from '@/lib/worker/start-worker';
import type { Heartbeat } from '@/lib/worker/heartbeat';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Every key of one node matching a SCAN pattern, in SCAN's order. */
export async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Every key matching a SCAN pattern, sorted: on a Redis Cluster every master is scanned (SCAN sees one node's keys). */
export async function scanKeys(redis: RedisConnection, pattern: string): Promise<string[]> {
  const perNode = await forEachMaster(redis, (node) => scanNode(node, pattern));
  return perNode.flat().sort();
}

/** A name no other test uses (queues, tasks). */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

/** Resolve once `predicate` holds, polling every 20 ms; fail with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, read: () => Promise<T> | T, predicate: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolve when a line of output matches. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/**
 * Run a TypeScript file in a child process with extra environment. `node --import tsx`
 * rather than the tsx binary: the binary relays SIGTERM and kills the child if it does
 * not react within ~30 ms, which would hide the graceful shutdown under test.
 */
export function runTs(file: string, args: string[], env: Record<string, string | undefined>): Proc {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  // `undefined` unsets a variable the test process has (e.g. REDIS_URL for `npm start`'s managed Redis).
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(re, timeoutMs = 20_000) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`Timed out waiting for ${re} in output:\n${out}`)), timeoutMs);
        waiters.push({ re, resolve: (s) => (clearTimeout(t), resolve(s)) });
        void exited.then((code) => reject(new Error(`Process exited (${code}) before ${re}:\n${out}`)));
      });
    },
  };
}

/**
 * Whether an instant is a slot of an unanchored interval schedule: its name's
 * phase plus a whole number of periods (see lib/scheduler/interval-grid.ts).
 */
export function onScheduleGrid(schedule: string, everyMs: number): (slot: number) => boolean {
  const phase = phaseOf(schedule, everyMs);
  return (slot) => (((slot - phase) % everyMs) + everyMs) % everyMs === 0;
}

/** A queue's BullMQ event stream, oldest first: each entry's fields (`event`, `jobId`, …). */
export async function streamEvents(redis: RedisConnection, queueName: string): Promise<Record<string, string>[]> {
  return (await redis.xrange(bullKey(queueName, 'events'), '-', '+')).map(([, fields]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i < fields.length - 1; i += 2) f[fields[i]!] = fields[i + 1]!;
    return f;
  });
}

/** How many times each job of a queue became active, from BullMQ's event stream (a second execution shows as a second 'active'). */
export async function activations(redis: RedisConnection, queueName: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of await streamEvents(redis, queueName)) {
    if (f.event === 'active' && f.jobId) out.set(f.jobId, (out.get(f.jobId) ?? 0) + 1);
  }
  return out;
}

/** A queue's count in every state the console shows, 0 where BullMQ has none: what the live frames must carry. */
export async function countsOf(q: Queue): Promise<QueueCounts> {
  const raw = await q.getJobCounts(...JOB_STATES);
  return Object.fromEntries(JOB_STATES.map((s) => [s, raw[s] ?? 0])) as QueueCounts;
}

/**
 * A worker for a test, in this process: the registry's tasks, errors-only
 * logging, concurrency 5, a 1 s heartbeat and a 2 s shutdown unless `options`
 * say otherwise.
 */
export function startTestWorker(registry: StartWorkerOptions['registry'], options: Partial<Omit<StartWorkerOptions, 'registry'>> = {}): Promise<RunningWorker> {
  return startWorker({
    registry,
    logger: createLogger('worker', 'error'),
    concurrency: 5,
    heartbeatMs: 1000,
    shutdownTimeoutMs: 2000,
    version: 'test',
    ...options,
  });
}

/** What `fn` throws (fails the test if it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

/** The most events within any window of `ms` (half-open: [t, t + ms)). */
export function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= ms) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** A worker heartbeat as a test writes it: an idle worker seen now, with `overrides`. */
export function testHeartbeat(id: string, overrides: Partial<Heartbeat> = {}): Heartbeat {
  const now = Date.now();
  return {
    id,
    host: 'h',
    pid: 1,
    queues: [],
    tasks: [],
    concurrency: 1,
    running: [],
    processed: 0,
    failed: 0,
    startedAt: now,
    lastSeen: now,
    version: '0',
    state: 'running',
    ttlMs: 30_000,
    ...overrides,
  };
}
