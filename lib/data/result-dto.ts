import { z } from 'zod';
import { getRedis } from '../redis';
import { discoverQueues, requireQueue } from '../queue/queue-registry';
import { InvalidError } from '../errors';
import { parseOrThrow } from '../validation';
import {
  RESULT_STATES,
  SEARCH_MAX_SCAN,
  decodeCursor,
  encodeCursor,
  searchFinishedJobs,
  type FoundJob,
  type ResultState,
  type SearchCursor,
  type SearchFilter,
} from '../queue/search-results';

/** A finished job as a row of the results page. */
export interface ResultRowDTO {
  queue: string;
  id: string;
  name: string;
  state: ResultState;
  createdAt: number | null;
  startedAt: number | null;
  finishedAt: number;
  durationMs: number | null;
  attemptsMade: number;
  /** Excerpts of the stored JSON (arguments, result) and of the error. */
  args: string;
  result: string | null;
  error: string | null;
}

export interface ResultPageDTO {
  rows: ResultRowDTO[];
  /** Opaque cursor of the next (older) page; null when the whole window was searched. */
  next: string | null;
  /** Jobs looked at for this page. */
  scanned: number;
  /** The finish time the search reached (when it stopped before the end of the window). */
  reached: number | null;
}

const when = z
  .string()
  .trim()
  .min(1)
  .transform((s, ctx) => {
    const ms = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 date-time or milliseconds since 1970' });
      return z.NEVER;
    }
    return ms;
  });

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The query string of `GET /api/v1/results` and of the /results page. */
export const resultsQuerySchema = z
  .object({
    task: z.preprocess(blankToUndefined, z.string().trim().min(1).max(200).optional()),
    queue: z.preprocess(blankToUndefined, z.string().trim().min(1).max(200).optional()),
    state: z.preprocess(blankToUndefined, z.enum(RESULT_STATES).optional()),
    from: z.preprocess(blankToUndefined, when.optional()),
    to: z.preprocess(blankToUndefined, when.optional()),
    q: z.preprocess(blankToUndefined, z.string().min(1).max(200).optional()),
    cursor: z.preprocess(blankToUndefined, z.string().max(20_000).optional()),
    limit: z.preprocess(blankToUndefined, z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(200).default(50)),
    format: z.preprocess(blankToUndefined, z.enum(['csv', 'json']).optional()),
  })
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, { message: 'from must not be after to', path: ['from'] });
export type ResultsQuery = z.output<typeof resultsQuerySchema>;

/** Parse a query string (URLSearchParams or a plain record); InvalidError (400) naming the field otherwise. */
export function parseResultsQuery(params: URLSearchParams | Record<string, string | string[] | undefined>): ResultsQuery {
  const obj: Record<string, string> = {};
  if (params instanceof URLSearchParams) for (const [k, v] of params) obj[k] = v;
  else for (const [k, v] of Object.entries(params)) if (v !== undefined) obj[k] = Array.isArray(v) ? (v[0] ?? '') : v;
  return parseOrThrow(resultsQuerySchema, obj);
}

/** The filter a query means: which queues (all, or the one named), states and bounds. */
export async function filterOf(q: ResultsQuery): Promise<SearchFilter> {
  let queues: string[];
  if (q.queue) {
    if (q.queue.includes(':')) throw new InvalidError('queue: queue names never contain ":"', 'queue');
    await requireQueue(q.queue);
    queues = [q.queue];
  } else {
    queues = await discoverQueues({ maxAgeMs: 'auto' });
  }
  return { queues, states: q.state ? [q.state] : RESULT_STATES, task: q.task, from: q.from, to: q.to, q: q.q };
}

/** Bytes of each long value a results page row carries. */
const PAGE_CELL = 400;
const EXCERPT = 160;

function excerpt(text: string, bytes: number): string {
  const more = bytes > Buffer.byteLength(text) || text.length > EXCERPT;
  return more ? text.slice(0, EXCERPT - 1) + '…' : text;
}

export function toResultRow(j: FoundJob): ResultRowDTO {
  return {
    queue: j.queue,
    id: j.id,
    name: j.name,
    state: j.state,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    durationMs: j.startedAt !== null ? j.finishedAt - j.startedAt : null,
    attemptsMade: j.attemptsMade,
    args: excerpt(j.data, j.dataBytes),
    result: j.resultBytes > 0 ? excerpt(j.result, j.resultBytes) : null,
    error: j.errorBytes > 0 ? excerpt(j.error, j.errorBytes) : null,
  };
}

/** How long one page of a search may keep scanning for matches before it answers with what it found. */
const SEARCH_PAGE_BUDGET_MS = 50;

/**
 * One page of results, newest first: up to `limit` matches, found by bounded
 * scans ({@link SEARCH_MAX_SCAN} jobs each) that end within about
 * SEARCH_PAGE_BUDGET_MS. A page may hold fewer than `limit` rows and still
 * have a `next`: a rare match in a million jobs answers in time with what the
 * newest jobs held, and the next page carries on from there.
 */
export async function searchResults(q: ResultsQuery): Promise<ResultPageDTO> {
  const filter = await filterOf(q);
  const started = performance.now();
  const rows: FoundJob[] = [];
  let scanned = 0;
  let cursor: SearchCursor | null = q.cursor ? decodeCursor(q.cursor) : null;
  // Another scan only if it should end within the budget, judged by the slowest one so far:
  // the budget bounds the answer's time, not just when the last scan starts.
  let slowest = 0;
  do {
    const t0 = performance.now();
    const batch = await searchFinishedJobs(getRedis(), filter, { cursor, limit: q.limit - rows.length, maxScan: SEARCH_MAX_SCAN, cell: PAGE_CELL });
    slowest = Math.max(slowest, performance.now() - t0);
    rows.push(...batch.jobs);
    scanned += batch.scanned;
    cursor = batch.next;
  } while (cursor && rows.length < q.limit && performance.now() - started + slowest <= SEARCH_PAGE_BUDGET_MS);
  return {
    rows: rows.map(toResultRow),
    next: cursor ? encodeCursor(cursor) : null,
    scanned,
    reached: cursor ? cursor.score : null,
  };
}
