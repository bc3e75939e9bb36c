import { defaultRepeatStrategy } from 'bullmq';
import { firstSlot, intervalGrid } from './interval-grid';
import { onceInstant, type Trigger } from './schedule-model';
import { cronRepeatOptions, remainingLimit } from './trigger-to-repeat';

export interface NextRunsOptions {
  /** The schedule's name (an unanchored interval's phase comes from it). */
  schedule: string;
  /** Runs after this instant are listed (a one-off exactly at `from` is included). */
  from: Date;
  /** How many runs at most. */
  count: number;
  /** BullMQ's `next` of the running scheduler, if any (interval: the grid runs through it). */
  scheduledNext?: number;
  /** Runs already taken, counted against the trigger's `limit`. */
  runsSoFar?: number;
}

/**
 * The next run times of a trigger, computed the way BullMQ computes them:
 *
 * - cron: BullMQ's own `defaultRepeatStrategy` (cron-parser with the schedule's
 *   `tz`, start and end dates) on the very `RepeatOptions` we upsert, each run
 *   strictly after the previous one;
 * - interval: the slot grid BullMQ's Lua script follows for the `every` and
 *   `offset` we upsert (interval-grid.ts);
 * - one-off: its instant, or nothing once it has passed.
 *
 * Start and end dates are inclusive; `limit` caps the total with `runsSoFar`.
 */
export function nextRuns(trigger: Trigger, { schedule, from, count, scheduledNext, runsSoFar }: NextRunsOptions): Date[] {
  const now = from.getTime();
  if (count <= 0) return [];
  if (trigger.type === 'once') {
    const at = onceInstant(trigger);
    return at >= now ? [new Date(at)] : [];
  }
  const max = Math.min(count, remainingLimit(trigger, runsSoFar) ?? Infinity);
  const out: Date[] = [];
  if (trigger.type === 'cron') {
    const opts = cronRepeatOptions(trigger);
    let millis = now;
    while (out.length < max) {
      const next = defaultRepeatStrategy(millis, opts);
      if (next === undefined) break;
      out.push(new Date(next));
      millis = next;
    }
    return out;
  }
  const ctx = { schedule, now, scheduledNext };
  const grid = intervalGrid(trigger, ctx);
  const end = trigger.endDate ? Date.parse(trigger.endDate) : Infinity;
  for (let slot = firstSlot(trigger, grid, ctx); out.length < max && slot <= end; slot += grid.every) {
    out.push(new Date(slot));
  }
  return out;
}
