import { z } from 'zod';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import { env } from '../env';
import type { RedisConnection } from '../redis';
import { bullQueueName } from './queue-names';
import { getQueue } from './queue-registry';
import { deadLetterQueue } from './dead-letter-queue';

/**
 * Dead letters: a job of a task with `deadLetter: true` that failed for good
 * (attempts exhausted, or an error its retry policy does not retry) is copied
 * into the task's dead-letter queue, `<task>.dlq`: a plain BullMQ queue no
 * worker takes from, so its jobs wait there, listed like any queue's (the
 * console's queue pages show it). {@link replayDeadLetters} sends them back to
 * their task's queue as new jobs. The failed job itself stays where it is.
 */

/** What a dead letter remembers of the job it copies (in its BullMQ options, shown on its job page). */
export interface DeadLetterOrigin {
  queue: string;
  jobId: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: number;
}

const ORIGIN_KEY = 'celerityDeadLetter';

export { deadLetterQueue };

/** The options of the original job that a replay keeps (tries, backoff, priority, retention, time options). */
function replayOptions(opts: JobsOptions): JobsOptions {
  const rest: Record<string, unknown> = { ...opts };
  for (const k of ['jobId', 'deduplication', 'delay', 'repeat', 'repeatJobKey', 'timestamp', 'parent', 'prevMillis', ORIGIN_KEY]) delete rest[k];
  return rest as JobsOptions;
}

/**
 * Copy a job that failed for good into its task's dead-letter queue. Its id
 * there is made of the origin's queue and id, so a second copy of the same
 * failure (a retry of this write) adds nothing.
 */
export async function deadLetter(connection: RedisConnection, queue: string, job: Job, failedReason: string): Promise<void> {
  const dlq = new Queue(bullQueueName(deadLetterQueue(job.name)), { connection, prefix: env().CELERITY_PREFIX });
  try {
    const origin: DeadLetterOrigin = { queue, jobId: job.id!, failedReason, attemptsMade: job.attemptsMade + 1, failedAt: Date.now() };
    const opts = { ...replayOptions(job.opts), jobId: `${queue}.${job.id}`, [ORIGIN_KEY]: origin } as JobsOptions;
    await dlq.add(job.name, job.data, opts);
  } finally {
    await dlq.close();
  }
}

/** The dead letters of a task, oldest first, with where each came from. */
export async function listDeadLetters(task: string, start = 0, end = 99): Promise<{ job: Job; origin: DeadLetterOrigin }[]> {
  const jobs = await getQueue(deadLetterQueue(task)).getWaiting(start, end);
  return jobs.reverse().map((job) => ({ job, origin: (job.opts as Record<string, unknown>)[ORIGIN_KEY] as DeadLetterOrigin }));
}

/**
 * Send a task's dead letters back to their queues as new jobs (same task,
 * arguments and options), then remove them from the dead-letter queue. A crash
 * between the two replays that letter again next time (at least once).
 * Resolves with the new jobs' queue and id.
 */
export async function replayDeadLetters(task: string, limit = 1000): Promise<{ queue: string; id: string }[]> {
  const replayed: { queue: string; id: string }[] = [];
  for (const { job, origin } of await listDeadLetters(task, 0, limit - 1)) {
    const added = await getQueue(origin.queue).add(job.name, job.data, replayOptions(job.opts));
    await job.remove();
    replayed.push({ queue: origin.queue, id: added.id! });
  }
  return replayed;
}

/** A dead letter as the API shows it. */
export const deadLetterDtoSchema = z.object({
  id: z.string(),
  args: z.unknown(),
  origin: z.object({ queue: z.string(), jobId: z.string(), failedReason: z.string(), attemptsMade: z.number(), failedAt: z.number() }),
});

/** The dead letters of a task, as plain objects (the API's answer). */
export async function deadLetterDtos(task: string): Promise<z.infer<typeof deadLetterDtoSchema>[]> {
  return (await listDeadLetters(task)).map(({ job, origin }) => ({ id: job.id!, args: job.data as unknown, origin }));
}
