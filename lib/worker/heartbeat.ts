import { z } from 'zod';
import type { Redis } from 'ioredis';
import { celerityKeys } from '../keys';

/** What a worker says about itself every few seconds. Stored with an expiry: no heartbeat, no worker. */
export const heartbeatSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  queues: z.array(z.string()),
  tasks: z.array(z.string()),
  concurrency: z.number(),
  running: z.array(
    z.object({
      queue: z.string(),
      jobId: z.string(),
      task: z.string(),
      startedAt: z.number(),
      progress: z.unknown().optional(),
    }),
  ),
  processed: z.number(),
  failed: z.number(),
  startedAt: z.number(),
  lastSeen: z.number(),
  version: z.string(),
  state: z.enum(['running', 'stopping']),
  /** How long the heartbeat lives; a worker silent for longer is lost. */
  ttlMs: z.number(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Write a heartbeat that expires after `ttlMs` unless refreshed. */
export async function writeHeartbeat(redis: Redis, hb: Heartbeat): Promise<void> {
  const keys = celerityKeys();
  await redis
    .multi()
    .set(keys.worker(hb.id), JSON.stringify(hb), 'PX', hb.ttlMs)
    .zadd(keys.workers, hb.lastSeen, hb.id)
    .exec();
}

/** Remove a worker's heartbeat at a clean shutdown, so it is shown gone at once, not lost. */
export async function clearHeartbeat(redis: Redis, id: string): Promise<void> {
  const keys = celerityKeys();
  await redis.multi().del(keys.worker(id)).zrem(keys.workers, id).exec();
}

/**
 * Live heartbeats, and the ids of workers whose heartbeat expired without a
 * clean shutdown (lost: crashed, killed or cut off from Redis).
 */
export async function readHeartbeats(redis: Redis): Promise<{ alive: Heartbeat[]; lost: { id: string; lastSeen: number }[] }> {
  const keys = celerityKeys();
  const entries = await redis.zrange(keys.workers, 0, -1, 'WITHSCORES');
  const ids: { id: string; lastSeen: number }[] = [];
  for (let i = 0; i < entries.length; i += 2) ids.push({ id: entries[i]!, lastSeen: Number(entries[i + 1]) });
  if (ids.length === 0) return { alive: [], lost: [] };
  const values = await redis.mget(ids.map((x) => keys.worker(x.id)));
  const alive: Heartbeat[] = [];
  const lost: { id: string; lastSeen: number }[] = [];
  values.forEach((json, i) => {
    const parsed = json ? heartbeatSchema.safeParse(safeJson(json)) : undefined;
    if (parsed?.success) alive.push(parsed.data);
    else lost.push(ids[i]!);
  });
  return { alive, lost };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
