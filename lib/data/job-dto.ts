import { Job, type JobState } from 'bullmq';
import { getRedis } from '../redis';
import { requireQueue } from '../queue/queue-registry';
import { NotFoundError } from '../errors';
import { ACTIONS_BY_STATE, rerunOf, type JobAction } from '../queue/job-actions';
import { readJobSnapshot, parseJobKey, PREVIEW_BYTES, type JobSnapshot, type StoredField } from '../queue/job-snapshot';
import { readLogPage, type LogLine } from '../queue/job-logs';
import { parseAttempts } from '../queue/attempt-log';
import { buildTimeline, type TimelineEntry } from './job-timeline';
import { jobTiming, type JobTiming } from './job-timing';
import { heldOf, type HeldDTO } from './held-dto';
import { HELD_FIELD } from '../limits/throttle-gate';

export type { TimelineEntry } from './job-timeline';
export type { LogLine } from '../queue/job-logs';

/** A stored value too large to show whole: its first PREVIEW_BYTES as stored (JSON text, maybe cut mid-way) and its size. */
export interface TruncatedValue {
  bytes: number;
  preview: string;
}

/** Parts of a job that can be downloaded whole (`GET …/jobs/{id}/download?part=`). */
export const JOB_PARTS = ['args', 'result', 'error', 'stack', 'progress', 'options', 'job', 'log'] as const;
export type JobPart = (typeof JOB_PARTS)[number];

export interface JobChildDTO {
  /** Null when the child lives under another prefix (then `id` is its full key). */
  queue: string | null;
  id: string;
  status: 'pending' | 'completed' | 'failed' | 'ignored';
}

/** The one shape of a job that leaves the server. Plain data: no BullMQ objects. Its times: {@link JobTiming}. */
export interface JobDTO extends JobTiming {
  id: string;
  queue: string;
  /** The task name (BullMQ's job name). */
  name: string;
  state: JobState | 'unknown';
  /** The arguments; null when too large to show (see `truncated.args`). */
  args: unknown;
  /** 0–100, or whatever object the task reported. */
  progress: number | Record<string, unknown>;
  /** The newest log lines, oldest first (at most {@link LOG_LINES}); older pages come from the logs API. */
  logs: LogLine[];
  logCount: number;
  /** The return value; null when there is none or it is too large to show (see `truncated.result`). */
  result: unknown;
  error: string | null;
  /** One entry per failed attempt that BullMQ kept, most recent last. */
  stack: string[];
  attemptsMade: number;
  /** Tries allowed in all. */
  attempts: number;
  priority: number;
  delayMs: number;
  createdAt: number;
  /** What can be done to the job in its state (the server enforces the same list). */
  actions: JobAction[];
  /** The job this one re-runs, when it is a re-run. */
  rerunOf: string | null;
  /** Re-runs made of this job (ids, at most 50) and how many there are. */
  reruns: { count: number; ids: string[] };
  /** The job's options as BullMQ stored them (attempts, backoff, delay, priority, removeOnComplete…). */
  options: Record<string, unknown>;
  /** Values too large to show whole: their preview and size, and a download of the whole. */
  truncated: Partial<Record<'args' | 'result' | 'error' | 'stack' | 'progress' | 'options', TruncatedValue>>;
  timeline: TimelineEntry[];
  /** The parent of a flow child. */
  parent: { queue: string | null; id: string } | null;
  /** The children of a flow parent (counts exact; at most 50 listed per kind). */
  children: { counts: { pending: number; completed: number; failed: number; ignored: number }; jobs: JobChildDTO[] } | null;
  /** The Redis hash as stored, field by field; values over {@link RAW_INLINE_BYTES} are replaced by a note. */
  raw: Record<string, string>;
  /** The worker that ran it last (BullMQ's processedBy), when known. */
  processedBy: string | null;
  /** Held back by its task's limits (rate, concurrency, paused task): why, and when it may run; null when not. */
  held: HeldDTO | null;
}

/** Newest log lines sent with the job (the live tail). */
export const LOG_LINES = 200;
/** Raw-view values longer than this are elided (the download has them). */
export const RAW_INLINE_BYTES = 16 * 1024;

function parseJson(f: StoredField | undefined, fallback: unknown): unknown {
  if (!f || f.truncated) return fallback;
  try {
    return JSON.parse(f.value);
  } catch {
    return f.value;
  }
}

function num(f: StoredField | undefined): number | null {
  if (!f || f.value === '') return null;
  const n = Number(f.value);
  return Number.isFinite(n) ? n : null;
}

function truncatedOf(f: StoredField | undefined): TruncatedValue | undefined {
  return f?.truncated ? { bytes: f.bytes, preview: f.value } : undefined;
}

function decodeOptions(f: StoredField | undefined): Record<string, unknown> {
  if (!f || f.truncated) return {};
  try {
    return Job.optsFromJSON(f.value) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Shape a snapshot (one Lua read) and the newest log lines into a JobDTO. */
export function toJobDto(s: JobSnapshot, logs: LogLine[]): JobDTO {
  const f = (k: string) => s.fields.get(k);
  const state = s.state;
  const options = decodeOptions(f('opts'));
  const rawProgress = parseJson(f('progress'), 0);
  const progress = typeof rawProgress === 'number' || (typeof rawProgress === 'object' && rawProgress !== null) ? (rawProgress as JobDTO['progress']) : 0;
  const stackField = f('stacktrace');
  const stackParsed = parseJson(stackField, []);
  const stack = Array.isArray(stackParsed) ? stackParsed.filter((x): x is string => typeof x === 'string') : [];
  const errorField = f('failedReason');
  const error = errorField && errorField.value !== '' ? errorField.value + (errorField.truncated ? '…' : '') : null;
  const createdAt = num(f('timestamp')) ?? 0;
  // BullMQ keeps only the last attempt's start; the first one comes from the attempt record (below).
  const processedOn = num(f('processedOn'));
  const finishedAt = num(f('finishedOn'));
  const attemptsMade = num(f('atm')) ?? num(f('attemptsMade')) ?? 0;
  const delayMs = num(f('delay')) ?? 0;
  const returnField = f('returnvalue');
  const held = heldOf(f(HELD_FIELD)?.value, state, num(f('ats')));
  const result = state === 'completed' || returnField ? parseJson(returnField, null) : null;

  const truncated: JobDTO['truncated'] = {};
  const parts = { args: 'data', result: 'returnvalue', error: 'failedReason', stack: 'stacktrace', progress: 'progress', options: 'opts' } as const;
  for (const [part, field] of Object.entries(parts) as [keyof typeof parts, string][]) {
    const t = truncatedOf(f(field));
    if (t) truncated[part] = t;
  }

  const parentKey = f('parentKey')?.value;
  const parent = parentKey ? parseJobKey(parentKey) : null;
  const c = s.children;
  const childCount = c.counts.pending + c.counts.completed + c.counts.failed + c.counts.ignored;
  const children: JobDTO['children'] =
    childCount === 0
      ? null
      : {
          counts: { pending: c.counts.pending, completed: c.counts.completed, failed: c.counts.failed, ignored: c.counts.ignored },
          jobs: [
            ...c.pending.map((r) => ({ queue: r.queue, id: r.id, status: 'pending' as const })),
            ...c.completed.map((r) => ({ queue: r.queue, id: r.id, status: 'completed' as const })),
            ...c.failed.map((r) => ({ queue: r.queue, id: r.id, status: 'failed' as const })),
            ...c.ignored.map((r) => ({ queue: r.queue, id: r.id, status: 'ignored' as const })),
          ],
        };

  const raw: Record<string, string> = {};
  for (const [k, v] of s.fields) {
    raw[k] = v.bytes > RAW_INLINE_BYTES ? `«${v.bytes.toLocaleString('en')} bytes: download the full job to see this value»` : v.value;
  }

  // All the fields: the attempt that completed the job is read from BullMQ's own (lib/queue/attempt-log.ts).
  const attempts = parseAttempts([...s.fields].map(([k, v]) => [k, v.value] as [string, string]));
  const maxAttempts = Math.max(1, typeof options.attempts === 'number' ? options.attempts : 1);
  // A held job was taken only to be sent back by the gate: that take (processedOn) was no attempt; the last
  // one is the newest attempt record's (Celerity's workers, the only ones with a gate, record every attempt).
  const lastTake = held ? attempts.reduce<number | null>((m, a) => (m === null || a.startedAt > m ? a.startedAt : m), null) : processedOn;
  const timing = jobTiming({ state, processedOn: lastTake, finishedAt, attemptsMade, maxAttempts, attempts });
  const timeline = buildTimeline({
    state,
    createdAt,
    delayMs,
    lastStartedAt: lastTake,
    finishedAt,
    attemptsMade,
    error,
    stack,
    progress,
    attempts,
    hasChildren: childCount > 0,
    held,
  });

  return {
    id: s.id,
    queue: s.queue,
    name: f('name')?.value ?? '',
    state,
    args: truncated.args ? null : parseJson(f('data'), {}),
    progress,
    logs,
    logCount: s.logCount,
    result: truncated.result ? null : (result ?? null),
    error,
    stack,
    attemptsMade,
    attempts: maxAttempts,
    priority: num(f('priority')) ?? 0,
    delayMs,
    createdAt,
    ...timing,
    actions: [...ACTIONS_BY_STATE[state]],
    rerunOf: rerunOf(s.id),
    reruns: s.reruns,
    options,
    truncated,
    timeline,
    parent: parent ? { queue: parent.queue, id: parent.id } : null,
    children,
    raw,
    processedBy: f('pb')?.value ?? null,
    held,
  };
}

/**
 * Read one job for the client: one Lua call for the job (fields cut to
 * PREVIEW_BYTES, state, flow and re-run links) and one for the newest log
 * lines. Throws NotFoundError for an unknown queue or job.
 */
export async function getJobDto(queueName: string, id: string): Promise<JobDTO> {
  // BullMQ refuses ':' in queue names: such a name can only be a wrong link.
  if (!queueName || queueName.includes(':')) throw new NotFoundError(`Queue "${queueName}" not found`);
  const redis = getRedis();
  const [snapshot, logs] = await Promise.all([readJobSnapshot(redis, queueName, id, PREVIEW_BYTES), readLogPage(redis, queueName, id, 0, LOG_LINES)]);
  if (!snapshot) {
    await requireQueue(queueName); // says "queue not found" when that is the reason
    throw new NotFoundError(`Job "${id}" not found in queue "${queueName}"`);
  }
  return toJobDto(snapshot, logs.lines);
}
