import { wallTimeOf, wallTimeToInstant } from '@/lib/scheduler/zoned-time';
import type { Trigger } from '@/lib/scheduler/schedule-model';

/**
 * Time-zone helpers for the schedule views. zoned-time.ts is pure `Intl`
 * (no imports), so the browser computes instants exactly as the server does.
 */

/** The zone a trigger's wall times are read in: its `tz`, UTC for an interval without one. */
export function scheduleZone(t: Trigger): string {
  return t.type === 'interval' ? (t.tz ?? 'UTC') : t.tz;
}

/** This browser's IANA zone. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Every zone the browser knows, for the time-zone input's suggestions (UTC first: some engines leave it out). */
export function knownZones(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...all.filter((z) => z !== 'UTC')];
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The value of an `<input type="datetime-local">` (a wall time, no zone) read
 * in `tz`, as an ISO instant (`…Z`) — the form the model wants for start and
 * end dates. Null when empty, not a date-time, or the zone is unknown (the
 * server then names the zone, which is the real problem).
 */
export function wallInputToIso(value: string, tz: string): string | null {
  const m = LOCAL.exec(value.trim());
  if (!m) return null;
  const [, year, month, day, hour, minute, second] = m.map(Number);
  try {
    const ms = wallTimeToInstant({ year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: m[6] === undefined ? 0 : second! }, tz);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  } catch {
    return null;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a `datetime-local` value in `tz` (seconds included), or '' when it cannot be shown. */
export function isoToWallInput(iso: string | undefined, tz: string): string {
  if (!iso) return '';
  try {
    const w = wallTimeOf(Date.parse(iso), tz);
    return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  } catch {
    return '';
  }
}
