import type { Job, JobState } from 'bullmq';
import { requireQueue } from '../queue/queue-registry';
import { NotFoundError } from '../errors';
import { ACTIONS_BY_STATE, rerunOf, type JobAction } from '../queue/job-actions';

/** The one shape of a job that leaves the server. Plain data: no BullMQ objects. */
export interface JobDTO {
  id: string;
  queue: string;
  /** The task name (BullMQ's job name). */
  name: string;
  state: JobState | 'unknown';
  args: unknown;
  /** 0–100, or whatever object the task reported. */
  progress: number | Record<string, unknown>;
  /** The most recent log lines, oldest first (at most {@link LOG_LINES}). */
  logs: string[];
  logCount: number;
  result: unknown;
  error: string | null;
  /** One entry per failed attempt, most recent last. */
  stack: string[];
  attemptsMade: number;
  /** Tries allowed in all. */
  attempts: number;
  priority: number;
  delayMs: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** finished − started, when both are known. */
  durationMs: number | null;
  /** What can be done to the job in its state (the server enforces the same list). */
  actions: JobAction[];
  /** The job this one re-runs, when it is a re-run. */
  rerunOf: string | null;
}

export const LOG_LINES = 500;

/** Shape a BullMQ job (plus its state and logs) into a JobDTO. */
export function toJobDto(job: Job, state: JobState | 'unknown', logs: { logs: string[]; count: number }): JobDTO {
  const progress = job.progress;
  return {
    id: job.id ?? '',
    queue: job.queueName,
    name: job.name,
    state,
    args: job.data ?? null,
    progress: typeof progress === 'number' || (typeof progress === 'object' && progress !== null) ? (progress as JobDTO['progress']) : 0,
    logs: logs.logs,
    logCount: logs.count,
    result: job.returnvalue ?? null,
    error: job.failedReason || null,
    stack: Array.isArray(job.stacktrace) ? job.stacktrace.filter((s): s is string => typeof s === 'string') : [],
    attemptsMade: job.attemptsMade ?? 0,
    attempts: Math.max(1, job.opts?.attempts ?? 1),
    priority: job.priority ?? 0,
    delayMs: job.delay ?? 0,
    createdAt: job.timestamp,
    startedAt: job.processedOn ?? null,
    finishedAt: job.finishedOn ?? null,
    durationMs: job.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : null,
    actions: [...ACTIONS_BY_STATE[state]],
    rerunOf: job.id ? rerunOf(job.id) : null,
  };
}

/** Read one job for the client. Throws NotFoundError for an unknown queue or job. */
export async function getJobDto(queueName: string, id: string): Promise<JobDTO> {
  const queue = await requireQueue(queueName);
  let job = await queue.getJob(id);
  if (!job) throw new NotFoundError(`Job "${id}" not found in queue "${queueName}"`);
  const state = await queue.getJobState(id);
  // The job may have finished between the two reads: never show a final state without its result.
  if ((state === 'completed' || state === 'failed') && !job.finishedOn) job = (await queue.getJob(id)) ?? job;
  const newest = await queue.getJobLogs(id, 0, LOG_LINES - 1, false);
  return toJobDto(job, state, { logs: [...newest.logs].reverse(), count: newest.count });
}
