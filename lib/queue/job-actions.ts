import { z } from 'zod';
import type { Job, JobState } from 'bullmq';
import { getRedis } from '../redis';
import { bullKey, celerityKeys } from '../keys';
import { requireQueue } from './queue-registry';
import { ConflictError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { readCatalogueEntry } from '../registry/catalogue';
import { validateTaskArgs } from './run-task';
import { addTaskJob, type EnqueuedJob } from './add-task-job';
import type { ControlMessage } from '../worker/control';
import { publishControl } from './control-publish';

/**
 * What a person can do to one job. Each action is allowed only in some
 * states (ACTIONS_BY_STATE, also what the UI shows); anything else is a 409
 * with a message saying why, decided here once rather than in each route.
 */

export type JobAction = 'retry' | 'remove' | 'promote' | 'cancel' | 'rerun' | 'priority';

export const ACTIONS_BY_STATE: Record<JobState | 'unknown', readonly JobAction[]> = {
  completed: ['retry', 'rerun', 'remove'],
  failed: ['retry', 'rerun', 'remove'],
  active: ['cancel'],
  delayed: ['promote', 'priority', 'remove'],
  waiting: ['priority', 'remove'],
  prioritized: ['priority', 'remove'],
  'waiting-children': ['remove'],
  unknown: [],
};

const verbs: Record<JobAction, string> = {
  retry: 'retried',
  remove: 'removed',
  promote: 'promoted',
  cancel: 'cancelled',
  rerun: 're-run',
  priority: 'given a new priority',
};

async function requireJob(queueName: string, id: string): Promise<{ job: Job; state: JobState | 'unknown' }> {
  const queue = await requireQueue(queueName);
  const job = await queue.getJob(id);
  if (!job) throw new NotFoundError(`Job "${id}" not found in queue "${queueName}"`);
  return { job, state: await job.getState() };
}

function assertAllowed(action: JobAction, state: JobState | 'unknown', id: string): void {
  if (!ACTIONS_BY_STATE[state].includes(action)) {
    throw new ConflictError(`Job ${id} is ${state}: it cannot be ${verbs[action]}${hint(action)}`);
  }
}

function hint(action: JobAction): string {
  switch (action) {
    case 'retry':
    case 'rerun':
      return ' until it has finished';
    case 'promote':
      return '; only delayed jobs can be promoted';
    case 'cancel':
      return '; only an active job can be cancelled';
    case 'remove':
      return ' while a worker holds it (cancel it first)';
    case 'priority':
      return '; only a job that has not started can be re-prioritized';
  }
}

/** Move a finished job back to waiting, keeping its id. */
export async function retryJob(queue: string, id: string): Promise<void> {
  const { job, state } = await requireJob(queue, id);
  assertAllowed('retry', state, id);
  await job.retry(state as 'completed' | 'failed', { resetAttemptsMade: true });
}

export async function removeJob(queue: string, id: string): Promise<void> {
  const { job, state } = await requireJob(queue, id);
  assertAllowed('remove', state, id);
  await job.remove();
}

/** Run a delayed job now. */
export async function promoteJob(queue: string, id: string): Promise<void> {
  const { job, state } = await requireJob(queue, id);
  assertAllowed('promote', state, id);
  await job.promote();
}

export const priorityBodySchema = z.object({ priority: z.number().int().min(0).max(2_097_152) }).strict();

export async function changeJobPriority(queue: string, id: string, body: unknown): Promise<void> {
  const { priority } = parseOrThrow(priorityBodySchema, body);
  const { job, state } = await requireJob(queue, id);
  assertAllowed('priority', state, id);
  // BullMQ 6 would only write the field: the job stays in the `paused` list BullMQ 5 keeps, in its place.
  if (state === 'waiting' && (await getRedis().lpos(bullKey(queue, 'paused'), id)) !== null) {
    throw new ConflictError(`Job ${id} waits in a queue paused by a BullMQ 5 producer: resume the queue before changing its priority`);
  }
  await job.changePriority({ priority });
}

/**
 * Ask the worker that holds an active job to cancel it: a message through
 * Redis (the console never talks to workers directly); the handler's
 * AbortSignal fires and the job ends failed with reason "cancelled".
 * Returns how many workers received the message (0: nobody listening).
 */
export async function cancelJob(queue: string, id: string): Promise<{ delivered: number }> {
  const { state } = await requireJob(queue, id);
  assertAllowed('cancel', state, id);
  const msg: ControlMessage = { type: 'cancel', queue, jobId: id, reason: 'cancelled' };
  const delivered = await publishControl(getRedis(), JSON.stringify(msg));
  return { delivered };
}

export const rerunBodySchema = z.object({ args: z.record(z.string(), z.unknown()).optional() }).strict();

/** Id of a re-run: it names the original, so the link survives without extra state. */
export function rerunJobId(originalId: string, at: number): string {
  return `rerun-${encodeURIComponent(originalId)}-${at}`;
}

/** The original job id of a re-run, or null. */
export function rerunOf(jobId: string): string | null {
  const m = /^rerun-(.+)-(\d+)$/.exec(jobId);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/**
 * Run a finished job again as a NEW job (same task and queue), optionally with
 * edited arguments — validated against the task's schema when the task is in
 * the catalogue. The new job's id links to the original.
 */
export async function rerunJob(queue: string, id: string, body: unknown): Promise<EnqueuedJob> {
  const { args } = parseOrThrow(rerunBodySchema, body ?? {});
  const { job, state } = await requireJob(queue, id);
  assertAllowed('rerun', state, id);
  const newArgs = args ?? job.data ?? {};
  const entry = await readCatalogueEntry(getRedis(), job.name);
  if (entry) validateTaskArgs(entry, newArgs);
  const created = await addTaskJob({
    queue,
    task: job.name,
    args: newArgs,
    options: { attempts: Math.max(1, job.opts.attempts ?? 1), ...(job.opts.priority ? { priority: job.opts.priority } : {}) },
    jobId: rerunJobId(id, Date.now()),
    retention: entry?.retention,
  });
  await getRedis().sadd(celerityKeys().reruns(queue, id), created.id);
  return created;
}
