import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import { START_JOB } from './flow-build';

/**
 * The run id of a start job that names no run — one a schedule made (a BullMQ job scheduler,
 * a one-off or a "run now") — made from the job's queue and id, so that a start re-run after
 * a crash finds the same run, and the schedule's history can name the run before it exists.
 */
export function scheduledRunId(job: Pick<Job, 'name' | 'data' | 'queueName' | 'id'>): string | undefined {
  if (job.name !== START_JOB || (job.data as { run?: string } | undefined)?.run || !job.id) return undefined;
  return createHash('sha256').update(`${job.queueName}/${job.id}`).digest('hex').slice(0, 16);
}
