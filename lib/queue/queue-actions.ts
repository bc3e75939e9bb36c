import { z } from 'zod';
import { forgetQueueScan, requireQueue } from './queue-registry';
import { InvalidError } from '../errors';
import { parseOrThrow } from '../validation';
import { getRedis } from '../redis';
import { celerityKeys } from '../keys';
import { addTaskJob, type EnqueuedJob } from './add-task-job';
import { jobOptionsSchema } from './job-options';
import { DEFAULT_IDEMPOTENCY_TTL_MS, dedupeKeySchema, jobDedupe, requestIdempotencyKey, wasCreated } from '../registry/dedupe';

/**
 * What a person can do to a whole queue. Destructive actions take an explicit
 * confirmation in their body (obliterate: the queue's name typed again).
 */

export async function pauseQueue(name: string): Promise<void> {
  await (await requireQueue(name)).pause();
}

export async function resumeQueue(name: string): Promise<void> {
  await (await requireQueue(name)).resume();
}

export const cleanBodySchema = z
  .object({
    state: z.enum(['completed', 'failed']),
    /** Only jobs finished longer ago than this are removed (ms; 0 = all). */
    olderThanMs: z
      .number()
      .int()
      .min(0)
      .max(365 * 24 * 3600 * 1000),
  })
  .strict();

/** Remove finished jobs older than a given age; returns how many were removed. */
export async function cleanQueue(name: string, body: unknown): Promise<{ removed: number }> {
  const { state, olderThanMs } = parseOrThrow(cleanBodySchema, body);
  const queue = await requireQueue(name);
  let removed = 0;
  // In batches, so a million jobs never become one long blocking Lua call.
  for (;;) {
    const ids = await queue.clean(olderThanMs, 10_000, state);
    removed += ids.length;
    if (ids.length < 10_000) break;
  }
  return { removed };
}

export const drainBodySchema = z.object({ delayed: z.boolean().default(false).describe('Also remove delayed jobs') }).strict();

/** Remove every waiting (and, if asked, delayed) job. Active jobs are left to finish. */
export async function drainQueue(name: string, body: unknown): Promise<void> {
  const { delayed } = parseOrThrow(drainBodySchema, body ?? {});
  await (await requireQueue(name)).drain(delayed);
}

/** Move every failed job back to waiting. */
export async function retryAllFailed(name: string): Promise<void> {
  await (await requireQueue(name)).retryJobs({ state: 'failed', count: 1000 });
}

export const obliterateBodySchema = z.object({ confirm: z.string().describe('The queue name again, to confirm') }).strict();

/** Delete the queue and all its jobs. The body must repeat the queue's name. */
export async function obliterateQueue(name: string, body: unknown): Promise<void> {
  const { confirm } = parseOrThrow(obliterateBodySchema, body);
  if (confirm !== name) throw new InvalidError('confirm: type the queue name exactly to confirm', 'confirm');
  const queue = await requireQueue(name);
  await queue.obliterate({ force: true });
  await getRedis().srem(celerityKeys().queues, name);
  forgetQueueScan();
}

export const addJobBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    data: z.unknown().default({}),
    options: jobOptionsSchema.default({}),
    idempotencyKey: dedupeKeySchema.optional().describe('Same as the `Idempotency-Key` header (give one or the other, or the same value in both)'),
  })
  .strict();

/**
 * Add a raw job to any queue (queues filled by plain BullMQ producers have no
 * Celerity task to validate against; Celerity tasks go through runTask). An
 * idempotency key (body or `Idempotency-Key` header) holds 24 h, keyed by the
 * job's name as a task's are; `created` is false when it returned an existing job.
 */
export async function addRawJob(queue: string, body: unknown, idempotencyHeader?: string): Promise<EnqueuedJob & { created: boolean }> {
  const { name, data, options, idempotencyKey } = parseOrThrow(addJobBodySchema, body);
  const key = requestIdempotencyKey(idempotencyKey, idempotencyHeader);
  const dedupe = key && jobDedupe({ task: name, idempotencyTtl: DEFAULT_IDEMPOTENCY_TTL_MS }, data, data, key.value, key.field);
  await requireQueue(queue);
  const job = await addTaskJob({ queue, task: name, args: data, options, dedupe, namesRetention: true });
  return { ...job, created: wasCreated(dedupe, job.id) };
}
