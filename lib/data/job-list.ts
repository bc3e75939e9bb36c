import { requireQueue } from '../queue/queue-registry';
import type { JobStateName } from './queue-states';
import { getRedis } from '../redis';
import { filterJobsByName } from '../queue/filter-by-name';
import { readJobPage, readJobRows, type RawJobRow } from '../queue/job-rows';
import { heldOf, type HeldDTO } from './held-dto';

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
  /** Held back by its task's limits (only for a job waiting to be taken): why, and when it may run. */
  held: HeldDTO | null;
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

/** The start of a JSON text, cut to EXCERPT characters with an ellipsis when there is more. */
function excerpt(text: string, fullBytes: number): string {
  const more = fullBytes > Buffer.byteLength(text) || text.length > EXCERPT;
  const cut = text.length > EXCERPT - 1 ? text.slice(0, EXCERPT - 1) : text;
  return more ? cut + '…' : cut;
}

function toRow(r: RawJobRow, state: JobStateName): JobRowDTO {
  const held = heldOf(r.held, state, r.attemptsStarted);
  return {
    id: r.id,
    name: r.name,
    argsExcerpt: excerpt(r.data, r.dataBytes),
    attemptsMade: r.attemptsMade,
    progress: r.progress,
    createdAt: r.createdAt,
    // A held job's last take (processedOn) was the gate sending it back, not a start.
    startedAt: held ? null : r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
    held,
  };
}

/**
 * One page of a queue's jobs in a state, newest first, optionally only those
 * with a given name. A page past the end gives the last page (a link that
 * outlived some jobs still shows something).
 */
export async function listJobs(queueName: string, state: JobStateName, page: number, pageSize: number, name?: string): Promise<JobPageDTO> {
  await requireQueue(queueName);
  if (name) {
    let p = Math.max(1, page);
    let r = await filterJobsByName(getRedis(), queueName, state, name, (p - 1) * pageSize, pageSize);
    if (r.ids.length === 0 && r.complete && r.matched > 0) {
      p = Math.max(1, Math.ceil(r.matched / pageSize));
      r = await filterJobsByName(getRedis(), queueName, state, name, (p - 1) * pageSize, pageSize);
    }
    const rows = await readJobRows(getRedis(), queueName, r.ids);
    return { queue: queueName, state, name, page: p, pageSize, total: r.complete ? r.matched : null, more: r.more, jobs: rows.map((row) => toRow(row, state)) };
  }
  // Total, page clamp, ids and rows in one Lua call.
  const { total, page: p, rows } = await readJobPage(getRedis(), queueName, state, page, pageSize);
  const last = Math.max(1, Math.ceil(total / pageSize));
  return { queue: queueName, state, name: null, page: p, pageSize, total, more: p < last, jobs: rows.map((row) => toRow(row, state)) };
}
