import { Queue } from 'bullmq';
import { env } from '../env';
import type { Redis } from 'ioredis';
import { forEachMaster, getRedis, redisUnavailable } from '../redis';
import { bullQueueName, displayQueueName } from './queue-names';
import { NotFoundError, UnavailableError } from '../errors';
import { bullKey, celerityKeys } from '../keys';

/**
 * BullMQ Queue objects for the console and the enqueue client, one per name,
 * all sharing the process's command connection. Kept on globalThis so hot
 * reload reuses them.
 */
type Holder = { __celerityQueues?: Map<string, Queue> };
const holder = globalThis as unknown as Holder;

/**
 * The Queue object for a name (created on first use, never connects by itself before that).
 * Throws UnavailableError for a name first used while the console's connection is down: a new
 * BullMQ Queue waits for the connection's 'ready' before its first command (it does not fail
 * fast like the connection), so a request for a queue not seen before the outage (a task's
 * dead-letter queue) would hang until Redis came back instead of answering 503.
 */
export function getQueue(name: string): Queue {
  holder.__celerityQueues ??= new Map();
  let q = holder.__celerityQueues.get(name);
  if (!q) {
    if (redisUnavailable()) throw new UnavailableError(`Redis is unavailable: queue ${name} cannot be read now.`);
    // skipMetasUpdate: reading a queue must not create its meta key (that would make
    // any looked-up name look like a real queue) nor rewrite other producers' options.
    q = new Queue(bullQueueName(name), { connection: getRedis(), prefix: env().CELERITY_PREFIX, skipMetasUpdate: true });
    q.on('error', () => {}); // surfaced by the failing call and the health monitor
    holder.__celerityQueues.set(name, q);
  }
  return q;
}

/** Close every cached Queue (process shutdown, tests). The shared connection is closed separately. */
export async function closeQueues(): Promise<void> {
  const qs = holder.__celerityQueues;
  holder.__celerityQueues = undefined;
  if (qs) await Promise.all([...qs.values()].map((q) => q.close().catch(() => {})));
}

type ScanCache = { names: string[]; at: number; ttlMs: number; running?: Promise<string[]> };
type ScanHolder = { __celerityQueueScan?: ScanCache };
const scanHolder = globalThis as unknown as ScanHolder;

/**
 * Every queue under the prefix: the ones BullMQ has written a `meta` hash for
 * (any producer, Celerity or not) plus the ones Celerity's tasks declare.
 *
 * Finding the foreign ones takes a SCAN of the whole keyspace — cheap with a
 * few thousand keys, a second of Redis time with millions. `maxAgeMs: 'auto'`
 * reuses the last scan for a while that grows with the keyspace (about 1 s
 * per 50,000 keys, 250 ms to 60 s); the default (0) always scans.
 * Celerity's own queues are always read fresh.
 */
export async function discoverQueues(opts: { maxAgeMs?: number | 'auto' } = {}): Promise<string[]> {
  const redis = getRedis();
  const prefix = env().CELERITY_PREFIX;
  const cache = scanHolder.__celerityQueueScan;
  const maxAge = opts.maxAgeMs === 'auto' ? (cache?.ttlMs ?? 0) : (opts.maxAgeMs ?? 0);
  let scanned: string[];
  if (cache && Date.now() - cache.at <= maxAge) scanned = cache.names;
  // A caller that accepts an old answer may share a scan already under way; one that wants
  // a fresh answer must not: a scan started before its call can miss a queue made just before it.
  else scanned = await scanQueues(prefix, maxAge > 0);
  const found = new Set(scanned);
  for (const q of await redis.smembers(celerityKeys(prefix).queues)) found.add(q);
  return [...found].sort((a, b) => a.localeCompare(b));
}

/** Forget the last scan (after a queue was obliterated). */
export function forgetQueueScan(): void {
  scanHolder.__celerityQueueScan = undefined;
}

function scanQueues(prefix: string, share: boolean): Promise<string[]> {
  const running = scanHolder.__celerityQueueScan?.running;
  if (running && share) return running;
  const startedAt = Date.now();
  const self: { run?: Promise<string[]> } = {};
  const run = (async () => {
    // A cluster's keys are spread over its masters: each is scanned (in parallel), and the key counts add up.
    const perNode = await forEachMaster(getRedis(), (node) => scanNode(node, prefix));
    const names = [...new Set(perNode.flatMap((n) => n.names))];
    // Reuse the answer about 1 ms per 50 keys in Redis: at once (250 ms) with a few thousand keys, 20 s with a million.
    const keys = perNode.reduce((sum, n) => sum + n.keys, 0);
    const ttlMs = Math.min(60_000, Math.max(250, keys / 50));
    const current = scanHolder.__celerityQueueScan;
    // The answer is as old as the scan's start; a later scan's answer is kept.
    if (!current || current.at <= startedAt) {
      scanHolder.__celerityQueueScan = { names, at: startedAt, ttlMs, running: current?.running === self.run ? undefined : current?.running };
    }
    return names;
  })();
  self.run = run;
  const prev = scanHolder.__celerityQueueScan;
  scanHolder.__celerityQueueScan = prev ? { ...prev, running: run } : { names: [], at: 0, ttlMs: 0, running: run };
  run.catch(() => {
    const c = scanHolder.__celerityQueueScan;
    if (c?.running === run) scanHolder.__celerityQueueScan = { ...c, running: undefined };
  });
  return run;
}

/** The queues one Redis node holds a `meta` hash for (shown names: `{images}` on a cluster is `images`), and its key count. */
async function scanNode(node: Redis, prefix: string): Promise<{ names: string[]; keys: number }> {
  const found = new Set<string>();
  const head = `${prefix}:`;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*:meta`, 'COUNT', 5000);
    cursor = next;
    for (const k of keys) {
      const name = k.slice(head.length, -':meta'.length);
      // Queue names never contain ':' (BullMQ refuses them); anything else is not a queue's meta.
      if (name && !name.includes(':') && name !== '__celerity') found.add(displayQueueName(name));
    }
  } while (cursor !== '0');
  return { names: [...found], keys: await node.dbsize() };
}

/** Throw NotFoundError unless the queue exists (look-ups fail loudly, once, here). */
export async function requireQueue(name: string): Promise<Queue> {
  const redis = getRedis();
  const prefix = env().CELERITY_PREFIX;
  if (name.includes(':') || !name) throw new NotFoundError(`Queue "${name}" not found`);
  const [meta, known] = await Promise.all([redis.exists(bullKey(name, 'meta', prefix)), redis.sismember(celerityKeys(prefix).queues, name)]);
  if (!meta && !known) throw new NotFoundError(`Queue "${name}" not found`);
  return getQueue(name);
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
