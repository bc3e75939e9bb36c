import type { IntervalUnit, Trigger } from '@/lib/scheduler/schedule-model';
import { isoToWallInput, scheduleZone, wallInputToIso } from './zones';

/**
 * The trigger editor's state: what the inputs hold, as text, for all three
 * kinds at once (switching kind and back keeps what was typed), and the
 * translation to the model's trigger (schedule-model.ts):
 *   interval `{ type, every, unit, anchor?, tz?, startDate?, endDate?, limit? }`
 *   cron     `{ type, expression, tz, startDate?, endDate?, limit? }`
 *   once     `{ type, at: 'YYYY-MM-DDTHH:MM[:SS]', tz }`
 */
export interface TriggerFields {
  type: 'interval' | 'cron' | 'once';
  every: string;
  unit: IntervalUnit;
  /** "HH:MM" or ''. */
  anchor: string;
  expression: string;
  /** datetime-local value (wall time in `tz`). */
  at: string;
  tz: string;
  /** datetime-local values, read in `tz`. */
  startDate: string;
  endDate: string;
  limit: string;
}

export const UNITS: IntervalUnit[] = ['seconds', 'minutes', 'hours', 'days'];

/** The editor's fields for a stored trigger, or the defaults of a new schedule (`tz` '' until the browser's zone is known). */
export function triggerFields(t?: Trigger): TriggerFields {
  const base: TriggerFields = {
    type: 'interval',
    every: '1',
    unit: 'minutes',
    anchor: '',
    expression: '',
    at: '',
    tz: '',
    startDate: '',
    endDate: '',
    limit: '',
  };
  if (!t) return base;
  const tz = scheduleZone(t);
  if (t.type === 'once') return { ...base, type: 'once', at: t.at, tz };
  const bounds = {
    startDate: isoToWallInput(t.startDate, tz),
    endDate: isoToWallInput(t.endDate, tz),
    limit: t.limit === undefined ? '' : String(t.limit),
  };
  if (t.type === 'cron') return { ...base, ...bounds, type: 'cron', expression: t.expression, tz };
  return { ...base, ...bounds, type: 'interval', every: String(t.every), unit: t.unit, anchor: t.anchor ?? '', tz };
}

/** A number when the text is one; otherwise the text itself, so the server's validation names the field. Empty → undefined. */
function numberOrText(text: string): number | string | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

/**
 * The trigger to send (to the preview and on save), or `missing`: what to fill
 * in before a preview makes sense (an empty required field would only produce
 * an error the user has not earned yet).
 */
export function buildTrigger(f: TriggerFields): { trigger: Record<string, unknown>; missing?: string } {
  const tz = f.tz.trim();
  const withTz = tz ? { tz } : {};
  if (f.type === 'once') {
    return { trigger: { type: 'once', at: f.at, ...withTz }, missing: f.at ? undefined : 'Choose the date and time of the run.' };
  }
  const bounds: Record<string, unknown> = {};
  // datetime-local + zone → an instant: the model wants start and end dates with an offset.
  const start = wallInputToIso(f.startDate, tz || 'UTC');
  const end = wallInputToIso(f.endDate, tz || 'UTC');
  if (start) bounds.startDate = start;
  if (end) bounds.endDate = end;
  const limit = numberOrText(f.limit);
  if (limit !== undefined) bounds.limit = limit;
  if (f.type === 'cron') {
    return { trigger: { type: 'cron', expression: f.expression, ...withTz, ...bounds }, missing: f.expression.trim() ? undefined : 'Enter a cron expression.' };
  }
  const every = numberOrText(f.every);
  return {
    trigger: { type: 'interval', every, unit: f.unit, ...(f.anchor ? { anchor: f.anchor } : {}), ...withTz, ...bounds },
    missing: every === undefined ? 'Enter how often the task runs.' : undefined,
  };
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "09:30" → cron minute and hour fields ("30", "9"), or null. */
export function cronTime(hhmm: string): { minute: string; hour: string } | null {
  const m = /^(\d{2}):(\d{2})/.exec(hhmm);
  if (!m) return null;
  return { minute: String(Number(m[2])), hour: String(Number(m[1])) };
}
