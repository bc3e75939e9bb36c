import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { heartbeatSchema, type Heartbeat, type LostWorker } from './heartbeat-schema';

export { heartbeatSchema, lostWorkerSchema, type Heartbeat, type LostWorker } from './heartbeat-schema';

/** How long a lost worker stays listed (and its last heartbeat kept). */
export const LOST_RETENTION_MS = 24 * 3600 * 1000;

/**
 * Write a heartbeat that expires after `ttlMs` unless refreshed, plus a copy
 * that lives a day: when the worker dies, the console still knows which jobs
 * it held. Entries of workers lost for more than a day are pruned here (every
 * live worker does it, so a cluster with at least one worker stays tidy).
 */
export async function writeHeartbeat(redis: RedisConnection, hb: Heartbeat): Promise<void> {
  const keys = celerityKeys();
  const json = JSON.stringify(hb);
  await redis
    .multi()
    .set(keys.worker(hb.id), json, 'PX', hb.ttlMs)
    .set(keys.workerLast(hb.id), json, 'PX', LOST_RETENTION_MS)
    .zadd(keys.workers, hb.lastSeen, hb.id)
    .zremrangebyscore(keys.workers, '-inf', hb.lastSeen - LOST_RETENTION_MS)
    .exec();
}

/** Remove a worker's heartbeat at a clean shutdown, so it is shown gone at once, not lost. */
export async function clearHeartbeat(redis: RedisConnection, id: string): Promise<void> {
  const keys = celerityKeys();
  await redis.multi().del(keys.worker(id), keys.workerLast(id)).zrem(keys.workers, id).exec();
}

/**
 * Live heartbeats, and the workers whose heartbeat expired without a clean
 * shutdown (lost: crashed, killed or cut off from Redis) with their last
 * heartbeat. Two round trips whatever the number of workers.
 */
export async function readHeartbeats(redis: RedisConnection): Promise<{ alive: Heartbeat[]; lost: LostWorker[] }> {
  const keys = celerityKeys();
  const entries = await redis.zrange(keys.workers, 0, -1, 'WITHSCORES');
  const ids: { id: string; lastSeen: number }[] = [];
  for (let i = 0; i < entries.length; i += 2) ids.push({ id: entries[i]!, lastSeen: Number(entries[i + 1]) });
  if (ids.length === 0) return { alive: [], lost: [] };
  const values = await redis.mget([...ids.map((x) => keys.worker(x.id)), ...ids.map((x) => keys.workerLast(x.id))]);
  const alive: Heartbeat[] = [];
  const lost: LostWorker[] = [];
  ids.forEach((entry, i) => {
    const live = parse(values[i]);
    if (live) alive.push(live);
    else lost.push({ ...entry, last: parse(values[ids.length + i]) });
  });
  return { alive, lost };
}

/** One worker's live heartbeat; null when it has none (stopped, lost or never existed). */
export async function readHeartbeat(redis: RedisConnection, id: string): Promise<Heartbeat | null> {
  return parse(await redis.get(celerityKeys().worker(id)));
}

function parse(json: string | null | undefined): Heartbeat | null {
  if (!json) return null;
  try {
    const parsed = heartbeatSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
