import { Job, type Queue } from 'bullmq';
import type { RedisConnection } from '../redis';
import { queueKeyPrefix } from '../keys';
import { HELD_FIELD, gateKeys } from './throttle-gate';
import type { HeldRecord } from './held-record';

/**
 * Jobs of a paused task (an admin's live override, lib/limits/task-override.ts)
 * are held, not failed: the worker sends each back to the delayed set with
 * the reason `paused` in its hash (as the gate does for a limit) and notes it
 * in the task's set of paused jobs. Resuming promotes every job of that set at
 * once, so they run within the second; a job the promotion missed (held by a
 * worker that had not yet heard of the resume) is promoted by that worker
 * itself, which reads the override again after each hold. The hold's delay
 * is only a safety net: a paused task's jobs look again every minute, a cost
 * of one move per job per minute while it stays paused.
 *
 * Other tasks on the same queue keep running: the pause is per task, in the
 * worker, not BullMQ's pause of the whole queue.
 */

/** How long a paused task's job stays delayed before it looks again (unless the resume promotes it first). */
export const PAUSE_RECHECK_MS = 60_000;

/** The task's set of jobs held because it is paused (score: when first held), on the queue's slot like the gate's keys. */
export function pausedSetKey(queue: string, task: string): string {
  return `${queueKeyPrefix(queue)}cel:throttle:${encodeURIComponent(task)}:paused`;
}

/**
 * Worker side: hold a paused task's job (it holds the lock, `token`); then, if
 * the task was resumed meanwhile (`stillPaused` reads the override again),
 * promote it at once. The caller throws BullMQ's DelayedError afterwards.
 */
export async function holdPaused(
  redis: RedisConnection,
  queue: string,
  job: Job,
  token: string | undefined,
  stillPaused: () => Promise<boolean>,
): Promise<void> {
  const now = Date.now();
  const record: HeldRecord = { reason: 'paused', until: now + PAUSE_RECHECK_MS, at: now, scope: 'task', ats: job.attemptsStarted };
  await redis
    .multi()
    .hset(`${queueKeyPrefix(queue)}${job.id}`, HELD_FIELD, JSON.stringify(record))
    .zadd(pausedSetKey(queue, job.name), 'NX', now, job.id!)
    .exec();
  await job.moveToDelayed(record.until, token);
  // A resume that came between the worker's copy of the override and this hold has promoted the others already.
  if (!(await stillPaused().catch(() => true))) await unholdOne(redis, queue, job.name, job);
}

/** Promote one held job (not an error if it is no longer delayed: it was taken, removed, or promoted by someone else). */
async function unholdOne(redis: RedisConnection, queue: string, task: string, job: Job): Promise<boolean> {
  await redis
    .multi()
    .hdel(`${queueKeyPrefix(queue)}${job.id}`, HELD_FIELD)
    .zrem(pausedSetKey(queue, task), job.id!)
    .exec();
  return job.promote().then(
    () => true,
    () => false,
  );
}

/** Ids in a sorted set, oldest first, at most `limit`. */
const members = (redis: RedisConnection, key: string, limit: number) => redis.zrange(key, 0, limit - 1);

/** How many held jobs one change promotes at most (the rest look again on their own timers). */
const MAX_PROMOTED = 10_000;

/**
 * Console side: after a change of a task's override, promote the jobs it held
 * back so they meet the new controls at once — its paused jobs when it was
 * resumed (`paused`), and the jobs waiting for its task-wide rate or
 * concurrency budget when a limit changed (`limits`; they come back, and the
 * gate holds again those the new limit does not admit). Per-key waiters keep
 * their own timers. Returns how many were promoted.
 */
export async function releaseHeld(
  redis: RedisConnection,
  queue: Queue,
  queueName: string,
  task: string,
  what: { paused: boolean; limits: boolean },
): Promise<number> {
  const gate = gateKeys(queueName, task, '');
  const lists = await Promise.all([
    what.paused ? members(redis, pausedSetKey(queueName, task), MAX_PROMOTED) : [],
    what.limits ? members(redis, gate.rateWaiters, MAX_PROMOTED) : [],
    what.limits ? members(redis, gate.waiting, MAX_PROMOTED) : [],
  ]);
  const ids = [...new Set(lists.flat())];
  let promoted = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    const done = await Promise.all(
      batch.map(async (id) => {
        const job = await Job.fromId(queue, id);
        if (!job) return redis.zrem(pausedSetKey(queueName, task), id).then(() => false);
        return unholdOne(redis, queueName, task, job);
      }),
    );
    promoted += done.filter(Boolean).length;
  }
  return promoted;
}
