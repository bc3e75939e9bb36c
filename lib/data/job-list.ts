import type { Job } from 'bullmq';
import { requireQueue } from '../queue/queue-registry';
import { getQueueCounts, type JobStateName } from './queue-dto';

/** A job as a row of a list: small, with an excerpt of its arguments. */
export interface JobRowDTO {
  id: string;
  name: string;
  argsExcerpt: string;
  attemptsMade: number;
  progress: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

export interface JobPageDTO {
  queue: string;
  state: JobStateName;
  page: number;
  pageSize: number;
  total: number;
  jobs: JobRowDTO[];
}

const EXCERPT = 120;

function excerpt(data: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(data) ?? '';
  } catch {
    s = String(data);
  }
  return s.length > EXCERPT ? s.slice(0, EXCERPT - 1) + '…' : s;
}

function toRow(j: Job): JobRowDTO {
  return {
    id: j.id ?? '',
    name: j.name,
    argsExcerpt: excerpt(j.data),
    attemptsMade: j.attemptsMade ?? 0,
    progress: typeof j.progress === 'number' ? j.progress : null,
    createdAt: j.timestamp,
    startedAt: j.processedOn ?? null,
    finishedAt: j.finishedOn ?? null,
    error: j.failedReason || null,
  };
}

/**
 * One page of a queue's jobs in a state, newest first. A page past the end
 * gives the last page (a link that outlived some jobs still shows something).
 */
export async function listJobs(queueName: string, state: JobStateName, page: number, pageSize: number): Promise<JobPageDTO> {
  const queue = await requireQueue(queueName);
  const total = (await getQueueCounts(queueName))[state];
  const last = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(1, page), last);
  const start = (p - 1) * pageSize;
  const jobs = await queue.getJobs([state], start, start + pageSize - 1, false);
  return { queue: queueName, state, page: p, pageSize, total, jobs: jobs.filter(Boolean).map(toRow) };
}
