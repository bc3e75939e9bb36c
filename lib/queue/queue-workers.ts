import { forEachMaster, type RedisConnection } from '../redis';
import { displayQueueName } from './queue-names';
import { env } from '../env';
import { readHeartbeats } from '../worker/heartbeat';

/**
 * Workers per queue. BullMQ names each worker's connection after its queue
 * (`<prefix>:<base64 of the name>`), so ONE `CLIENT LIST` (one per master on a
 * cluster) counts the workers of every queue at once — Celerity's and plain BullMQ ones alike. CLIENT LIST
 * walks every connection, so its answer is reused for a few seconds rather
 * than asked per queue or per request. Where CLIENT LIST is not allowed
 * (some managed Redis services), Celerity's heartbeats are counted instead.
 */

export const WORKERS_CACHE_MS = 5_000;

type Cache = { at: number; counts: Map<string, number>; source: 'client-list' | 'heartbeats' };
type Holder = { __celerityWorkerCounts?: Cache };
const holder = globalThis as unknown as Holder;

/** Count worker connections per queue name in a CLIENT LIST reply. */
export function countFromClientList(list: string, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  const head = `${prefix}:`;
  for (const line of list.split('\n')) {
    const m = / name=(\S+)/.exec(line);
    if (!m || !m[1]!.startsWith(head)) continue;
    const rest = m[1]!.slice(head.length);
    // `<b64>` for an unnamed worker, `<b64>:w:<worker name>` for a named one; QueueEvents and others use other suffixes.
    const sep = rest.indexOf(':');
    if (sep !== -1 && !rest.startsWith(':w:', sep)) continue;
    const b64 = sep === -1 ? rest : rest.slice(0, sep);
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const bullName = Buffer.from(b64, 'base64').toString('utf8');
    if (Buffer.from(bullName, 'utf8').toString('base64') !== b64) continue;
    // Keyed by the name the console shows (`{images}` on a cluster is `images`).
    const name = displayQueueName(bullName);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * On a cluster every master has its own client list, and a worker's connection
 * shows on each node it talked to: per queue, the node with the most (as BullMQ's
 * getWorkers does), never the sum.
 */
function busiestNode(perNode: Map<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const counts of perNode) for (const [q, n] of counts) out.set(q, Math.max(out.get(q) ?? 0, n));
  return out;
}

/** Workers per queue (names absent from the map have none), at most WORKERS_CACHE_MS old. */
export async function workerCounts(redis: RedisConnection): Promise<Map<string, number>> {
  const c = holder.__celerityWorkerCounts;
  if (c && Date.now() - c.at < WORKERS_CACHE_MS) return c.counts;
  const prefix = env().CELERITY_PREFIX;
  let next: Cache;
  try {
    const lists = await forEachMaster(redis, (node) => node.client('LIST') as Promise<string>);
    next = { at: Date.now(), counts: busiestNode(lists.map((list) => countFromClientList(list, prefix))), source: 'client-list' };
  } catch {
    const { alive } = await readHeartbeats(redis);
    const counts = new Map<string, number>();
    for (const w of alive) for (const q of w.queues) counts.set(q, (counts.get(q) ?? 0) + 1);
    next = { at: Date.now(), counts, source: 'heartbeats' };
  }
  holder.__celerityWorkerCounts = next;
  return next.counts;
}
