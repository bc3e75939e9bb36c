import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import { InvalidError } from '../errors';

/**
 * Time limits and expiry of a task's jobs (Celery's `time_limit`,
 * `soft_time_limit` and `expires`). A task sets them in `defineTask`; one call
 * may set its own in its options (they win over the task's). The worker
 * enforces them (lib/worker/attempt-deadline.ts, lib/worker/job-expiry.ts).
 */

/** Longest expiry accepted: a year (beyond any real use). */
const MAX_EXPIRES_MS = 365 * 24 * 3600 * 1000;
/** Longest time limit: a Node timer's range (~24.8 days); a longer delay would fire at once. */
const MAX_LIMIT_MS = 2 ** 31 - 1;

/** A time limit in ms: a whole number from 1. */
export const timeLimitSchema = z.number().int().min(1).max(MAX_LIMIT_MS);

const expiresMsSchema = z.number().int().min(1).max(MAX_EXPIRES_MS);
/** Expiry: ms after enqueue, or an absolute ISO date (`2026-12-07T09:00:00Z`). */
export const expiresSchema = z.union([expiresMsSchema, z.iso.datetime({ offset: true })]);

/** The attempt ran out of time: at the soft limit it is the signal's reason, at the hard limit the attempt's error. */
export class TimeLimitExceeded extends Error {
  override readonly name = 'TimeLimitExceeded';
  constructor(
    readonly kind: 'soft' | 'hard',
    readonly limitMs: number,
  ) {
    super(`time limit exceeded (${kind} limit, ${limitMs} ms)`);
  }
}

/** A task's time options as written in `defineTask`. */
export interface TimeLimitsInput {
  timeLimit?: number;
  softTimeLimit?: number;
  expires?: number;
}

/** A task's time options, checked (absent ones stay absent). */
export type TimeLimits = TimeLimitsInput;

/** Check a task's time options; a wrong one throws naming the field. */
export function resolveTimeLimits(task: string, input: TimeLimitsInput): TimeLimits {
  const fail = (field: string, why: string) => new Error(`Invalid ${field} for task "${task}": ${why}`);
  const out: TimeLimits = {};
  for (const field of ['timeLimit', 'softTimeLimit', 'expires'] as const) {
    const v = input[field];
    if (v === undefined) continue;
    const max = field === 'expires' ? MAX_EXPIRES_MS : MAX_LIMIT_MS;
    if (!(field === 'expires' ? expiresMsSchema : timeLimitSchema).safeParse(v).success)
      throw fail(field, `a whole number of milliseconds from 1 to ${max} (got ${String(v)})`);
    out[field] = v;
  }
  const order = limitOrderProblem(out);
  if (order) throw fail('softTimeLimit', order);
  return out;
}

function limitOrderProblem(o: { timeLimit?: number; softTimeLimit?: number }): string | undefined {
  if (o.timeLimit === undefined || o.softTimeLimit === undefined || o.softTimeLimit <= o.timeLimit) return undefined;
  return `must not be longer than timeLimit (${o.softTimeLimit} ms > ${o.timeLimit} ms)`;
}

/** What one job carries of its call's time options, in BullMQ's job options (BullMQ keeps unknown keys). */
export interface JobTimeOptions {
  timeLimit?: number;
  softTimeLimit?: number;
  /** ms after the job's creation (its BullMQ timestamp). */
  expires?: number;
  /** Epoch ms. */
  expiresAt?: number;
}

/** The key of the call's time options in BullMQ's job options. */
export const JOB_TIME_KEY = 'celerityTime';

/**
 * Put a call's (validated) time options on its BullMQ options. A soft limit
 * longer than the hard one is an InvalidError naming `options.softTimeLimit`,
 * the hard one being the call's or else the task's (`task`). A call that only
 * shortens the hard limit below the task's soft one is accepted: its hard
 * limit comes first.
 */
export function applyTimeOptions(
  opts: JobsOptions,
  o: { timeLimit?: number; softTimeLimit?: number; expires?: number | string },
  task: { timeLimit?: number } = {},
): JobsOptions {
  const hard = o.timeLimit ?? task.timeLimit;
  const order = o.softTimeLimit === undefined ? undefined : limitOrderProblem({ softTimeLimit: o.softTimeLimit, timeLimit: hard });
  if (order) {
    const whose = o.timeLimit === undefined ? "the task's timeLimit" : 'timeLimit';
    throw new InvalidError(`options.softTimeLimit: ${order.replace('timeLimit', whose)}`, 'options.softTimeLimit');
  }
  if (o.timeLimit === undefined && o.softTimeLimit === undefined && o.expires === undefined) return opts;
  const t: JobTimeOptions = {};
  if (o.timeLimit !== undefined) t.timeLimit = o.timeLimit;
  if (o.softTimeLimit !== undefined) t.softTimeLimit = o.softTimeLimit;
  if (typeof o.expires === 'number') t.expires = o.expires;
  else if (o.expires !== undefined) t.expiresAt = Date.parse(o.expires);
  (opts as Record<string, unknown>)[JOB_TIME_KEY] = t;
  return opts;
}

/** The call's time options a job carries, if any. */
export function jobTimeOptions(opts: JobsOptions): JobTimeOptions | undefined {
  return (opts as Record<string, unknown>)[JOB_TIME_KEY] as JobTimeOptions | undefined;
}

/** What the catalogue publishes of a task's time options and retry policy (the task page shows them). */
export const taskTimingSchema = z.object({
  timeLimit: z.number().optional(),
  softTimeLimit: z.number().optional(),
  expires: z.number().optional(),
  /** Names of the errors retried (classes by their name); absent: every error. */
  retryOn: z.array(z.string()).optional(),
  isolation: z.literal('process').optional(),
  /** Jobs that failed for good are copied to `<task>.dlq` (lib/queue/dead-letter.ts). */
  deadLetter: z.boolean().optional(),
});
export type TaskTiming = z.infer<typeof taskTimingSchema>;

/** A task's timing summary, or undefined when it sets none of these options. */
export function taskTiming(
  t: TimeLimits & { retryOn?: readonly (string | { name: string })[]; isolation?: 'process'; deadLetter?: boolean },
): TaskTiming | undefined {
  const s: TaskTiming = {};
  if (t.timeLimit !== undefined) s.timeLimit = t.timeLimit;
  if (t.softTimeLimit !== undefined) s.softTimeLimit = t.softTimeLimit;
  if (t.expires !== undefined) s.expires = t.expires;
  if (t.retryOn) s.retryOn = t.retryOn.map((r) => (typeof r === 'string' ? r : r.name));
  if (t.isolation) s.isolation = t.isolation;
  if (t.deadLetter) s.deadLetter = true;
  return Object.keys(s).length ? s : undefined;
}
