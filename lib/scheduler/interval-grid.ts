import { intervalMs, type IntervalTrigger } from './schedule-model';
import { nextWallClock } from './zoned-time';

/**
 * Interval schedules run on a fixed grid of instants: `offset + k × every` ms
 * since the Unix epoch. This is how BullMQ 6.7 places `every` slots once a
 * scheduler has a non-zero `offset` (commands/includes/getJobSchedulerEveryNextMillis.lua):
 *
 * - first slot, no `startDate`:  `floor(now / every) × every + offset`, plus
 *   `every` if that is not after `now` — the first grid point after `now`;
 * - first slot, with `startDate`: `max(startDate, now)` — so a `startDate`
 *   must itself be on the grid and in the future, or the grid moves to `now`;
 * - next slot: `previous + every`; if that is already past (no worker ran),
 *   the first grid point after `now` (missed slots collapse into one);
 * - `offset` 0 or absent means "run at `now`" and fixes the grid wherever `now`
 *   happened to be — which is why we always pass an offset in (0, every].
 *
 * The grid comes from the trigger and the schedule's name, not from when the
 * scheduler happened to be upserted, so the preview equals the execution,
 * disabling and enabling keeps the same slots, and the expected slots of any
 * past period can be listed (missed-slot detection). The one dependence on the clock: an anchor without a
 * start date is placed with the zone's offset at its next occurrence (and, for
 * periods of several days, on that day).
 */
export interface IntervalGrid {
  /** Period in ms. */
  every: number;
  /** In (0, every]: the grid is every instant ≡ offset (mod every). BullMQ's `offset`. */
  offset: number;
}

/** What the grid of a schedule depends on besides its trigger. */
export interface GridContext {
  /** The schedule's name: an unanchored interval's phase comes from it (see `phaseOf`). */
  schedule: string;
  /** When the scheduler is (or would be) upserted; only used for anchored triggers without a start date. */
  now: number;
  /**
   * BullMQ's `next` of the scheduler when it already runs with the same period.
   * BullMQ keeps that slot when a scheduler is re-upserted, so the grid runs through it.
   */
  scheduledNext?: number;
}

/** `ref` mod `every`, as BullMQ's offset: never 0 (0 would mean "run now"). */
function offsetOf(ref: number, every: number): number {
  const r = ((ref % every) + every) % every;
  return r === 0 ? every : r;
}

/** FNV-1a, 32 bits: a stable, well-spread number from a string (no crypto needed, runs anywhere). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Unanchored phases stay within the first minute of the period: "every hour" still runs in the hour's first minute. */
const PHASE_SPAN_MS = 60_000;

/**
 * Where in its period an unanchored interval without a start date runs: a
 * fixed phase derived from the schedule's name (as Jenkins' `H`), within
 * min(period, 1 minute). Without it every "every 5 seconds" schedule of a
 * deployment would fire in the same millisecond, and a thousand jobs due at
 * once wait for each other; spread, they run within milliseconds of their slot.
 */
export function phaseOf(schedule: string, every: number): number {
  return fnv1a(schedule) % Math.min(every, PHASE_SPAN_MS);
}

/**
 * The grid of an interval trigger. Its reference instant is, in order:
 * BullMQ's current `next` (a running scheduler keeps its grid); with an anchor,
 * the first time the anchor's wall-clock time comes round at or after the start
 * date (or `now`) in the anchor's zone; the start date; else the schedule's
 * phase after the Unix epoch — so an unanchored "every 5 seconds" runs at the
 * same point of every 5-second period (say :01.234, :06.234…) and "every
 * hour" at a fixed second of the hour's first minute. An anchor of 00:00 puts
 * it on round times (:00, :05…).
 *
 * The grid is fixed in absolute time: across a DST change an anchored schedule
 * keeps its period, so its wall-clock times move by the DST shift (a daily
 * wall-clock time that follows DST is a cron trigger's job).
 */
export function intervalGrid(t: IntervalTrigger, ctx: GridContext): IntervalGrid {
  const every = intervalMs(t);
  let ref: number;
  if (ctx.scheduledNext !== undefined) ref = ctx.scheduledNext;
  else if (t.anchor) {
    const [hour = 0, minute = 0] = t.anchor.split(':').map(Number);
    ref = nextWallClock(hour, minute, t.tz ?? 'UTC', t.startDate ? Date.parse(t.startDate) : ctx.now);
  } else if (t.startDate) ref = Date.parse(t.startDate);
  else ref = phaseOf(ctx.schedule, every);
  return { every, offset: offsetOf(ref, every) };
}

/** The first grid point strictly after `after` (BullMQ's aligned branch, verbatim). */
export function gridPointAfter(grid: IntervalGrid, after: number): number {
  const next = Math.floor(after / grid.every) * grid.every + grid.offset;
  return next <= after ? next + grid.every : next;
}

/** The last grid point at or before `atOrBefore`. */
export function gridPointAtOrBefore(grid: IntervalGrid, atOrBefore: number): number {
  const next = gridPointAfter(grid, atOrBefore);
  return next - grid.every;
}

/**
 * The first slot a scheduler upserted at `now` runs: the first grid point after
 * `now` that is not before the start date — or BullMQ's pending `scheduledNext`
 * while that is still ahead.
 */
export function firstSlot(t: IntervalTrigger, grid: IntervalGrid, ctx: GridContext): number {
  if (ctx.scheduledNext !== undefined && ctx.scheduledNext > ctx.now) return ctx.scheduledNext;
  const start = t.startDate ? Date.parse(t.startDate) : -Infinity;
  // "not before start" on a ms grid is "after start − 1 ms".
  return gridPointAfter(grid, Math.max(ctx.now, start - 1));
}
