import type { RedisConnection } from '../redis';
import { getRedis } from '../redis';
import { searchFinishedJobs, type FoundJob, type SearchCursor, type SearchFilter } from '../queue/search-results';

/**
 * Export of a result set as CSV or JSON, streamed: the stream reads the next
 * batch from Redis only when its reader asks for more bytes, so memory stays
 * flat however many rows there are (100k rows are ~250 batches, never more
 * than one in memory), and a client that goes away stops the reading.
 */

/** Longest value a cell carries (arguments, result, error); a longer one ends with a note of its full size. */
export const EXPORT_CELL_BYTES = 32 * 1024;
/** Rows per Redis call. */
export const EXPORT_BATCH = 400;
/** Jobs looked at per Redis call (bounds each call's time in Redis). */
export const EXPORT_SCAN = 5_000;

export const EXPORT_COLUMNS = [
  'queue',
  'id',
  'task',
  'state',
  'created_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'attempts',
  'args',
  'result',
  'error',
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break,
 * quotes doubled; and a text starting with = + - @ (or tab / carriage return)
 * is prefixed with ' so a spreadsheet shows it instead of running it as a formula.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

function full(text: string, bytes: number): string | null {
  if (bytes === 0) return null;
  return Buffer.byteLength(text) < bytes ? `${text}…[truncated: ${bytes} bytes in all]` : text;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The exported record of a job (also the JSON export's object). */
export function exportRecord(j: FoundJob) {
  return {
    queue: j.queue,
    id: j.id,
    task: j.name,
    state: j.state,
    created_at: iso(j.createdAt),
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
    duration_ms: j.startedAt !== null ? j.finishedAt - j.startedAt : null,
    attempts: j.attemptsMade,
    args: full(j.data, j.dataBytes),
    result: full(j.result, j.resultBytes),
    error: full(j.error, j.errorBytes),
  };
}

export interface ExportOptions {
  redis?: RedisConnection;
  /** Rows per Redis call (tests use small batches to see the streaming). */
  batch?: number;
  /** Called after each Redis call with the rows it gave (tests, logs). */
  onBatch?: (rows: number) => void;
}

/**
 * The result set of `filter` as a byte stream in `format`. JSON is one array
 * of {@link exportRecord} objects; the JSON values of `args` and `result`
 * stay JSON text (as stored), so a value cut at the cell limit is still a string.
 */
export function exportResults(filter: SearchFilter, format: 'csv' | 'json', opts: ExportOptions = {}): ReadableStream<Uint8Array> {
  const redis = opts.redis ?? getRedis();
  const encoder = new TextEncoder();
  let cursor: SearchCursor | null = null;
  let started = false;
  let done = false;
  let first = true;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(format === 'csv' ? csvRow(EXPORT_COLUMNS) : '['));
          return;
        }
        if (done) return;
        // Keep asking until a call yields rows or the window is done (a call may scan without a match).
        for (;;) {
          if (cancelled) return;
          const batch = await searchFinishedJobs(redis, filter, { cursor, limit: opts.batch ?? EXPORT_BATCH, maxScan: EXPORT_SCAN, cell: EXPORT_CELL_BYTES });
          opts.onBatch?.(batch.jobs.length);
          cursor = batch.next;
          let chunk = '';
          for (const j of batch.jobs) {
            const r = exportRecord(j);
            if (format === 'csv') chunk += csvRow(EXPORT_COLUMNS.map((c) => r[c]));
            else {
              chunk += (first ? '\n' : ',\n') + JSON.stringify(r);
              first = false;
            }
          }
          if (!cursor) {
            done = true;
            if (format === 'json') chunk += first ? ']\n' : '\n]\n';
          }
          if (chunk) controller.enqueue(encoder.encode(chunk));
          if (done) controller.close();
          if (chunk || done) return;
        }
      },
      cancel() {
        cancelled = true;
      },
    },
    // One chunk buffered ahead at most: the next Redis call waits for the reader.
    { highWaterMark: 1 },
  );
}
