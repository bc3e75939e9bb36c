import { randomBytes } from 'node:crypto';
import { Queue, Worker, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import { e2eEnv } from './e2e-env';

/**
 * Direct access to the run's Redis for the queue specs: plain BullMQ
 * producers and workers (what "a queue Celerity did not create" means), and
 * jobs written straight in BullMQ's key layout (hundreds of failed jobs, a
 * 2 MB result) without waiting for a worker to make them.
 */

export function uniqueQueue(base: string): string {
  return `${base} ${randomBytes(3).toString('hex')}`;
}

export interface Bull {
  redis: Redis;
  prefix: string;
  queue(name: string): Queue;
  worker(name: string, processor: Processor): Promise<Worker>;
  close(): Promise<void>;
}

/** Connections to the e2e Redis under the run's prefix; close() ends everything it made. */
export function bull(): Bull {
  const { redisUrl, prefix } = e2eEnv();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const made: { close(): Promise<unknown> }[] = [];
  const extra: Redis[] = [];
  return {
    redis,
    prefix,
    queue(name) {
      const q = new Queue(name, { connection: redis, prefix });
      made.push(q);
      return q;
    },
    async worker(name, processor) {
      const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
      extra.push(conn);
      const w = new Worker(name, processor, { connection: conn, prefix });
      made.push(w);
      await w.waitUntilReady();
      return w;
    },
    async close() {
      for (const m of made.reverse()) await m.close().catch(() => {});
      for (const c of extra) c.disconnect();
      redis.disconnect();
    },
  };
}

const SEED_FAILED = `
local q = KEYS[1]
local n = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
for i = 1, n do
  local id = ARGV[3] .. i
  local finished = base + i
  redis.call('HSET', q .. id,
    'name', ARGV[4], 'data', '{"a":' .. i .. ',"b":1000}', 'opts', '{"attempts":1}',
    'timestamp', finished - 50, 'delay', 0, 'priority', 0, 'processedOn', finished - 20, 'finishedOn', finished,
    'atm', 1, 'ats', 1, 'failedReason', ARGV[5] .. ' ' .. i, 'stacktrace', '["Error: ' .. ARGV[5] .. '\\\\n    at seed (seed.lua:1:1)"]')
  redis.call('ZADD', q .. 'failed', finished, id)
end
redis.call('HSETNX', q .. 'meta', 'opts.maxLenEvents', 10000)
return n
`;

/**
 * `count` failed jobs named `name` with valid `add` arguments (a = i, b = 1000),
 * ids `${idPrefix}1`…, job i finishing at base + i ms (so newest first is the
 * highest i). A retry runs them for real.
 */
export async function seedFailed(b: Bull, queue: string, count: number, o: { idPrefix: string; name: string; reason: string }): Promise<void> {
  await b.redis.eval(SEED_FAILED, 1, `${b.prefix}:${queue}:`, count, Date.now() - 60_000, o.idPrefix, o.name, o.reason);
}

/** A completed job whose stored result is `result` (JSON text as BullMQ stores it). */
export async function seedCompleted(b: Bull, queue: string, id: string, name: string, result: string): Promise<void> {
  const now = Date.now();
  const key = `${b.prefix}:${queue}:`;
  await b.redis
    .multi()
    .hset(`${key}${id}`, {
      name,
      data: '{"size":"2 MB"}',
      opts: '{"attempts":1}',
      timestamp: now - 100,
      delay: 0,
      priority: 0,
      processedOn: now - 50,
      finishedOn: now,
      atm: 1,
      ats: 1,
      returnvalue: result,
    })
    .zadd(`${key}completed`, now, id)
    .hsetnx(`${key}meta`, 'opts.maxLenEvents', 10000)
    .exec();
}

/** Entries of a queue's event stream about one job, oldest first: [stream id, event name]. */
export async function jobEvents(b: Bull, queue: string, jobId: string): Promise<[string, string][]> {
  const entries = (await b.redis.xrange(`${b.prefix}:${queue}:events`, '-', '+')) as [string, string[]][];
  const out: [string, string][] = [];
  for (const [id, fields] of entries) {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
    if (f.jobId === jobId) out.push([id, f.event ?? '']);
  }
  return out;
}
