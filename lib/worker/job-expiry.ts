import { UnrecoverableError, type Job } from 'bullmq';
import type { AnyTask } from '../registry/task-registry';
import { jobTimeOptions } from '../registry/time-limits';

/** The failed reason of an expired job: its text starts with this. */
export const EXPIRED = 'expired';

/** When `job` expires (epoch ms): the call's date or delay after enqueue, else the task's delay; undefined: never. */
export function expiryOf(job: Job, task: AnyTask): number | undefined {
  const call = jobTimeOptions(job.opts);
  if (call?.expiresAt !== undefined) return call.expiresAt;
  const after = call?.expires ?? task.expires;
  return after === undefined ? undefined : job.timestamp + after;
}

/**
 * Refuse to start a job past its expiry: a missed deadline, not a failure to
 * retry, so BullMQ's UnrecoverableError (the job fails at once, whatever its
 * attempts) with a reason that says "expired".
 */
export function refuseExpired(job: Job, task: AnyTask, now?: number): void {
  const at = expiryOf(job, task);
  // The clock is read only for a job that expires: most never do, and this runs for every job.
  if (at !== undefined && (now ?? Date.now()) >= at) throw new UnrecoverableError(`${EXPIRED}: not started by ${new Date(at).toISOString()}`);
}
