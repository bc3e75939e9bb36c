import type { ScheduleDefinition } from './schedule-model';
import type { RunRecord, ScheduleState } from './schedule-store';
import { nextRuns } from './next-runs';

/** How long after its slot a run may still be on its way before the slot counts as missed. */
export const MISSED_GRACE_MS = 5_000;
const WINDOW_MS = 24 * 3600 * 1000;
const MAX_MISSED = 100;

/**
 * Slots that should have run but did not (no worker ran them, or the late run
 * was skipped because catch-up is off). BullMQ collapses missed slots into one
 * late run and says nothing of the rest, so they are computed here: the slots
 * the trigger defines since the schedule was enabled (at most a day back, and
 * no further back than the history we keep), minus the slots that ran.
 */
export function missedSlots(def: ScheduleDefinition, state: ScheduleState, runs: RunRecord[], now: number): number[] {
  if (def.trigger.type === 'once' || !def.enabled || state.enabledAt === null) return [];
  let from = Math.max(state.enabledAt, Date.parse(def.updatedAt), now - WINDOW_MS);
  // A full history page means older runs were dropped: do not call those slots missed.
  if (runs.length >= 50) from = Math.max(from, runs[runs.length - 1]!.startedAt);
  const until = now - MISSED_GRACE_MS;
  if (until <= from) return [];
  const ran = new Set(runs.filter((r) => r.kind === 'scheduled' && r.state !== 'skipped' && r.slot !== null).map((r) => r.slot));
  // Walk the slots in chunks and keep the newest missed ones (a 1-second schedule has 86,400 slots a day).
  const missed: number[] = [];
  let cursor = from;
  for (let chunk = 0; chunk < 100 && cursor <= until; chunk++) {
    const slots = nextRuns(def.trigger, { schedule: def.name, from: new Date(cursor), count: 1000 }).map((d) => d.getTime());
    for (const t of slots) {
      if (t > until) break;
      if (!ran.has(t)) missed.push(t);
    }
    if (missed.length > MAX_MISSED) missed.splice(0, missed.length - MAX_MISSED);
    const last = slots.at(-1);
    if (last === undefined || slots.length < 1000) break;
    cursor = last + 1;
  }
  return missed.reverse();
}
