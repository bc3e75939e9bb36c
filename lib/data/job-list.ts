import type { Job } from 'bullmq';
import { requireQueue } from '../queue/queue-registry';
import { getQueueCounts, type JobStateName } from './queue-dto';
import { getRedis } from '../redis';
import { filterJobsByName } from '../queue/filter-by-name';

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
  /** The job-name filter, when one is applied. */
  name: string | null;
  page: number;
  pageSize: number;
  /** Jobs in the state (or matching the filter); null when a filtered scan stopped before the end. */
  total: number | null;
  /** Whether a page after this one has jobs. */
  more: boolean;
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
 * One page of a queue's jobs in a state, newest first, optionally only those
 * with a given name. A page past the end gives the last page (a link that
 * outlived some jobs still shows something).
 */
export async function listJobs(queueName: string, state: JobStateName, page: number, pageSize: number, name?: string): Promise<JobPageDTO> {
  const queue = await requireQueue(queueName);
  if (name) {
    let p = Math.max(1, page);
    let r = await filterJobsByName(getRedis(), queueName, state, name, (p - 1) * pageSize, pageSize);
    if (r.ids.length === 0 && r.complete && r.matched > 0) {
      p = Math.max(1, Math.ceil(r.matched / pageSize));
      r = await filterJobsByName(getRedis(), queueName, state, name, (p - 1) * pageSize, pageSize);
    }
    const jobs = (await Promise.all(r.ids.map((id) => queue.getJob(id)))).filter((j): j is Job => Boolean(j));
    return { queue: queueName, state, name, page: p, pageSize, total: r.complete ? r.matched : null, more: r.more, jobs: jobs.map(toRow) };
  }
  const total = (await getQueueCounts(queueName))[state];
  const last = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(1, page), last);
  const start = (p - 1) * pageSize;
  const jobs = await queue.getJobs([state], start, start + pageSize - 1, false);
  return { queue: queueName, state, name: null, page: p, pageSize, total, more: p < last, jobs: jobs.filter(Boolean).map(toRow) };
}
