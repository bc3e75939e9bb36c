import { defaultRepeatStrategy, type RepeatOptions } from 'bullmq';
import { firstSlot, gridPointAtOrBefore, intervalGrid } from './interval-grid';
import { onceInstant, type CronTrigger, type IntervalTrigger, type OnceTrigger } from './schedule-model';

/**
 * From a schedule's trigger to the `RepeatOptions` of BullMQ's
 * `queue.upsertJobScheduler(id, repeat, template)` — and, for one-offs, to a
 * delayed job with a deterministic id. `nextRuns` uses the same options, so
 * the preview and the execution cannot drift apart.
 */

/** What the options depend on besides the trigger. */
export interface RepeatContext {
  /** The schedule's name (an unanchored interval's phase comes from it). */
  schedule: string;
  /** When the upsert happens (ms). Pass `Date.now()` right before the call. */
  now: number;
  /** BullMQ's `next` of the existing scheduler, when re-upserting an interval whose period is unchanged. */
  scheduledNext?: number;
  /**
   * Runs already taken by workers (not the pending one), counted against `limit`:
   * BullMQ's own count restarts at 1 with every upsert.
   */
  runsSoFar?: number;
}

/** Runs left under the trigger's limit, or undefined when it has none. */
export function remainingLimit(t: { limit?: number }, runsSoFar = 0): number | undefined {
  return t.limit === undefined ? undefined : t.limit - runsSoFar;
}

/**
 * Cron → `{ pattern, tz, startDate?, endDate?, limit? }`.
 *
 * `startDate` is passed 1 ms early: BullMQ asks cron-parser for the first run
 * strictly *after* `max(startDate, now)`, so a start date that is itself a slot
 * (09:00 for `0 9 * * *`) would otherwise be skipped. Our start date is inclusive,
 * like the interval's. `endDate` is inclusive in cron-parser already.
 */
export function cronRepeatOptions(t: CronTrigger, runsSoFar = 0): RepeatOptions {
  const opts: RepeatOptions = { pattern: t.expression, tz: t.tz };
  if (t.startDate) opts.startDate = Date.parse(t.startDate) - 1;
  if (t.endDate) opts.endDate = Date.parse(t.endDate);
  const limit = remainingLimit(t, runsSoFar);
  if (limit !== undefined) opts.limit = limit;
  return opts;
}

/**
 * Interval → `{ every, offset, startDate?, endDate?, limit? }` on the grid of
 * `intervalGrid`, or null when no run is left.
 *
 * - `offset` puts BullMQ's slots on the grid (see interval-grid.ts).
 * - `startDate` (moved onto the grid) is passed only while it is ahead.
 * - `endDate` is translated. For `every`, BullMQ checks the end date when a
 *   worker *takes* a job (`now > endDate` in JobScheduler.upsertJobScheduler),
 *   not against the slot it is about to create: an end date between two slots
 *   gets one run after it, and one exactly on a slot depends on the previous
 *   job being taken before it. We pass the midpoint between the last two slots
 *   instead: the second-to-last job, taken up to half a period late, still
 *   creates the last one; the last job, taken at or after its slot, creates
 *   nothing. When a single run is left, `limit: 1` says it exactly.
 */
export function intervalRepeatOptions(t: IntervalTrigger, ctx: RepeatContext): RepeatOptions | null {
  const grid = intervalGrid(t, ctx);
  const first = firstSlot(t, grid, ctx);
  let limit = remainingLimit(t, ctx.runsSoFar);
  if (limit !== undefined && limit <= 0) return null;

  const opts: RepeatOptions = { every: grid.every, offset: grid.offset };
  // Only a future start date: BullMQ runs a past one at "now", off the grid, and
  // the offset alone already gives the right next slot.
  if (t.startDate && Date.parse(t.startDate) > ctx.now && ctx.scheduledNext === undefined) opts.startDate = first;
  if (t.endDate) {
    const end = Date.parse(t.endDate);
    if (first > end) return null;
    const last = gridPointAtOrBefore(grid, end);
    if (last === first) limit = Math.min(limit ?? 1, 1);
    else opts.endDate = last - Math.floor(grid.every / 2);
  }
  if (limit !== undefined) opts.limit = limit;
  return opts;
}

/**
 * The `RepeatOptions` for an interval or cron trigger, or null when the
 * schedule has no run left (limit used up, end date passed, or no cron match
 * before the end date): then there is nothing to upsert — BullMQ's
 * `upsertJobScheduler` would throw on a past end date or create nothing.
 */
export function triggerToRepeat(t: IntervalTrigger | CronTrigger, ctx: RepeatContext): RepeatOptions | null {
  if (t.type === 'interval') return intervalRepeatOptions(t, ctx);
  const opts = cronRepeatOptions(t, ctx.runsSoFar);
  if (opts.limit !== undefined && opts.limit <= 0) return null;
  // BullMQ's own next-run function: undefined when the next match is past endDate.
  return defaultRepeatStrategy(ctx.now, opts) === undefined ? null : opts;
}

/**
 * The job id of a one-off run: deterministic, so adding it twice (two consoles,
 * a retried request) is a no-op in BullMQ rather than a second run.
 *
 * BullMQ 6.7 refuses custom ids that are integers, `0`, start with `0:`, or
 * contain `:` unless split into exactly three parts (Job.validateOptions), and
 * a `:` also confuses its flow-key parser (`<prefix>:<queue>:<id>`). So the
 * name is percent-encoded (`:` → `%3A`, injective) and no `:` is used at all.
 * The instant is part of the id so that moving a one-off that already ran to a
 * new time does not collide with the finished job of the old time.
 */
export function oneOffJobId(name: string, at: number): string {
  return `schedule-once-${encodeURIComponent(name)}-${at}`;
}

/** The delayed job of a one-off: add it with `{ jobId, delay: max(0, delayUntil − Date.now()) }`. */
export function oneOffJob(name: string, t: OnceTrigger): { jobId: string; delayUntil: number } {
  const at = onceInstant(t);
  return { jobId: oneOffJobId(name, at), delayUntil: at };
}
