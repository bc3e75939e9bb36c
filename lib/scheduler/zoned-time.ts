/**
 * Wall-clock time in IANA time zones, with nothing but `Intl` (no tz library).
 *
 * cron-parser (through Luxon) also resolves zones with `Intl`, so a zone that
 * passes `canonicalTimeZone` here is one BullMQ can schedule in.
 */

/** A local date and time as a person reads it on a wall clock (month 1–12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone: building them is the slow part of `Intl`. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The zone's canonical IANA name (`US/Eastern` → `America/New_York`, `utc` → `UTC`),
 * or null when `Intl` does not know it. Offsets such as `+05:00` and names such
 * as `Local` are refused: Luxon would read them differently from `Intl`.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  if (!timeZone || timeZone.trim() !== timeZone) return null;
  try {
    return formatter(timeZone).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall time of an instant in a zone. */
export function wallTimeOf(instant: Date | number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The zone's offset from UTC at an instant, in ms (Europe/Paris in winter: 3 600 000). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const w = wallTimeOf(instant, timeZone);
  // Intl gives whole seconds: compare with the instant truncated the same way.
  const truncated = Math.floor(instant / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - truncated;
}

/**
 * The instant at which a zone's clocks show a wall time. The two DST cases are
 * resolved the way cron-parser resolves them, so a one-off and a cron entry at
 * the same wall time fire at the same instant:
 *
 * - **gap** (spring forward: 02:30 does not exist in Europe/Berlin on 2026-03-29):
 *   read with the offset in force before the change, i.e. shifted forward by the
 *   gap — 02:30 becomes 03:30 CEST (01:30Z);
 * - **overlap** (fall back: 02:30 happens twice on 2026-10-25): the first
 *   occurrence — 02:30 CEST (00:30Z), not 02:30 CET.
 *
 * Assumes at most one offset change within a day either side of the wall time,
 * which holds for every zone in the tz database.
 */
export function wallTimeToInstant(wall: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const before = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  const after = zoneOffsetMs(asUtc + DAY_MS, timeZone);
  const valid = [before, after].map((offset) => asUtc - offset).filter((t) => t + zoneOffsetMs(t, timeZone) === asUtc);
  if (valid.length > 0) return Math.min(...valid);
  return asUtc - before;
}

/** The calendar date `days` after a wall date (month and year roll over). */
function addDays(wall: WallTime, days: number): Pick<WallTime, 'year' | 'month' | 'day'> {
  const d = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The first instant at or after `notBefore` when the zone's clocks show
 * `hour:minute` (DST gaps and overlaps resolved as in `wallTimeToInstant`).
 */
export function nextWallClock(hour: number, minute: number, timeZone: string, notBefore: number): number {
  const today = wallTimeOf(notBefore, timeZone);
  // Three days cover "later today", "tomorrow" and a skipped calendar day (Pacific/Apia 2011).
  for (let i = 0; i <= 3; i++) {
    const t = wallTimeToInstant({ ...addDays(today, i), hour, minute, second: 0 }, timeZone);
    if (t >= notBefore) return t;
  }
  throw new Error(`No ${hour}:${minute} in ${timeZone} within three days of ${new Date(notBefore).toISOString()}`);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-12-06` */
export function formatWallDate(w: Pick<WallTime, 'year' | 'month' | 'day'>): string {
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** `17:03`, or `17:03:05` when the seconds are not zero (6-field cron entries). */
export function formatWallClock(w: Pick<WallTime, 'hour' | 'minute' | 'second'>): string {
  return `${pad(w.hour)}:${pad(w.minute)}${w.second ? `:${pad(w.second)}` : ''}`;
}

/**
 * An instant as the schedule's zone reads it, for tables and previews:
 * `2026-12-06 17:03 (Europe/Paris)`.
 */
export function formatInZone(date: Date | number, timeZone: string): string {
  const w = wallTimeOf(date, timeZone);
  return `${formatWallDate(w)} ${formatWallClock(w)} (${timeZone})`;
}
