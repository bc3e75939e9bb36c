import type { JobsOptions } from 'bullmq';
import { getQueue } from './queue-registry';
import { jobOptionsSchema, retentionOptions, DEFAULT_RETENTION, type JobOptions, type JobOptionsInput, type Retention } from './job-options';
import { parseOrThrow } from '../validation';
import { applyDedupe, type JobDedupe } from '../registry/dedupe';
import { applyTimeOptions } from '../registry/time-limits';

export interface EnqueuedJob {
  queue: string;
  id: string;
}

/**
 * Add one job for a task whose arguments were already validated. The job's
 * name is the task name and its data is the arguments as they are, so jobs
 * look the same as any plain BullMQ producer's.
 */
export async function addTaskJob(input: {
  queue: string;
  task: string;
  args: unknown;
  options?: JobOptionsInput;
  defaults?: JobOptionsInput;
  /** A deterministic id (schedule runs); BullMQ ignores a second add with the same id. */
  jobId?: string;
  /** How long the finished job is kept: the task's retention (catalogue); a kind at the default is left to the worker (lib/queue/job-options.ts). */
  retention?: Retention;
  /** Name the default retention in the job too: a raw job's queue may be served by plain BullMQ workers, which apply none. */
  namesRetention?: boolean;
  /** Its deduplication (lib/registry/dedupe.ts): the answer's id is then the existing job's when the key is held. */
  dedupe?: JobDedupe;
  /** The task's own time limits (its catalogue entry's timing): a call's soft limit may not outlast the task's hard one. */
  taskLimits?: { timeLimit?: number };
}): Promise<EnqueuedJob> {
  const defaults = parseOrThrow(jobOptionsSchema, input.defaults ?? {}, 'defaults');
  const options = parseOrThrow(jobOptionsSchema, input.options ?? {}, 'options');
  const opts = bullJobOptions({ ...defaults, ...options }, input.retention, input.taskLimits);
  if (input.jobId) opts.jobId = input.jobId;
  if (input.namesRetention) Object.assign(opts, { ...DEFAULT_RETENTION, ...opts });
  applyDedupe(opts, input.dedupe);
  const job = await getQueue(input.queue).add(input.task, input.args ?? {}, opts);
  if (!job.id) throw new Error('BullMQ returned a job without an id');
  return { queue: input.queue, id: job.id };
}

/** BullMQ's options for a job from validated options and a retention (a new object: BullMQ may keep it); `task`: its time limits. */
export function bullJobOptions(o: JobOptions, retention?: Retention, task?: { timeLimit?: number }): JobsOptions {
  const opts: JobsOptions = retentionOptions(retention);
  if (o.delay) opts.delay = o.delay;
  if (o.attempts) opts.attempts = o.attempts;
  if (o.priority) opts.priority = o.priority;
  if (o.backoff) opts.backoff = o.backoff;
  return applyTimeOptions(opts, o, task);
}
