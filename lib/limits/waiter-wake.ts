import { Queue } from 'bullmq';
import type { RedisConnection } from '../redis';
import { env } from '../env';
import { bullQueueName } from '../queue/queue-names';

/**
 * Wakes the jobs a freed concurrency slot is for. A job the gate refused a
 * slot waits in the delayed set (lib/limits/job-throttle.ts) and would look
 * again only on its own timer (a retry period, longer the further back in line
 * it is); the gate's release names the jobs at the front of the line, as many
 * as slots are free, and they are promoted at once (BullMQ's promote: delayed
 * to waiting; a job no longer delayed is left alone). The timers stay, for a
 * wake that is lost (a worker killed between its release and the promote).
 * Waking decides nothing: the woken job asks the gate like any other, so the
 * limit holds whoever wins the slot.
 */

const queues = new WeakMap<RedisConnection, Map<string, Queue>>();

/** A Queue object on the worker's own connection, for the promote (no meta written, no connection of its own). */
function queueOn(redis: RedisConnection, name: string): Queue {
  let byName = queues.get(redis);
  if (!byName) queues.set(redis, (byName = new Map()));
  let q = byName.get(name);
  if (!q) {
    q = new Queue(bullQueueName(name), { connection: redis, prefix: env().CELERITY_PREFIX, skipMetasUpdate: true });
    q.on('error', () => {}); // a failed wake only leaves the job to its timer
    byName.set(name, q);
  }
  return q;
}

/** Promote the delayed jobs `ids` of `queue`; a job gone, or no longer delayed, is skipped. */
export async function wakeWaiters(redis: RedisConnection, queue: string, ids: readonly string[]): Promise<void> {
  const q = queueOn(redis, queue);
  await Promise.all(
    ids.map((id) =>
      q
        .getJob(id)
        .then((job) => job?.promote())
        .catch(() => {}),
    ),
  );
}
