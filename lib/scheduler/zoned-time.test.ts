import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, formatInZone, nextWallClock, wallTimeToInstant, zoneOffsetMs } from './zoned-time';

const iso = (ms: number) => new Date(ms).toISOString();
const wall = (year: number, month: number, day: number, hour: number, minute: number, second = 0) => ({ year, month, day, hour, minute, second });

describe('canonicalTimeZone', () => {
  it('returns the canonical IANA name for known zones and aliases', () => {
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
  });

  it('refuses unknown zones, offsets, "Local" and padded names', () => {
    for (const tz of ['Mars/Olympus', '+05:00', 'Local', '', ' UTC']) expect(canonicalTimeZone(tz)).toBeNull();
  });
});

describe('wallTimeToInstant', () => {
  it('reads ordinary wall times with the offset of that date', () => {
    expect(iso(wallTimeToInstant(wall(2026, 1, 15, 9, 0), 'Europe/Berlin'))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(wallTimeToInstant(wall(2026, 7, 15, 9, 0), 'Europe/Berlin'))).toBe('2026-07-15T07:00:00.000Z');
    expect(iso(wallTimeToInstant(wall(2026, 7, 15, 9, 0, 30), 'Asia/Kolkata'))).toBe('2026-07-15T03:30:30.000Z');
  });

  it('shifts a time in the spring-forward gap forward by the gap (02:30 → 03:30 CEST), like cron-parser', () => {
    expect(iso(wallTimeToInstant(wall(2026, 3, 29, 2, 30), 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(wallTimeToInstant(wall(2026, 3, 8, 2, 30), 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('takes the first occurrence of a time in the fall-back overlap (02:30 CEST, not CET)', () => {
    expect(iso(wallTimeToInstant(wall(2026, 10, 25, 2, 30), 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(wallTimeToInstant(wall(2026, 11, 1, 1, 30), 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('zoneOffsetMs', () => {
  it('gives the offset in force at an instant, either side of a change', () => {
    expect(zoneOffsetMs(Date.parse('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
  });
});

describe('nextWallClock', () => {
  it('finds the next time the clocks show HH:MM, today or tomorrow', () => {
    expect(iso(nextWallClock(9, 0, 'Europe/Paris', Date.parse('2026-05-01T06:00:00Z')))).toBe('2026-05-01T07:00:00.000Z');
    expect(iso(nextWallClock(9, 0, 'Europe/Paris', Date.parse('2026-05-01T07:00:00.001Z')))).toBe('2026-05-02T07:00:00.000Z');
    // Inclusive: exactly at that time counts.
    expect(iso(nextWallClock(9, 0, 'Europe/Paris', Date.parse('2026-05-01T07:00:00Z')))).toBe('2026-05-01T07:00:00.000Z');
  });
});

describe('formatInZone', () => {
  it('shows the wall time and names the zone, seconds only when not zero', () => {
    expect(formatInZone(new Date('2026-12-06T16:03:00Z'), 'Europe/Paris')).toBe('2026-12-06 17:03 (Europe/Paris)');
    expect(formatInZone(new Date('2026-12-06T16:03:05Z'), 'UTC')).toBe('2026-12-06 16:03:05 (UTC)');
    // Midnight is 00:00, not 24:00 (hourCycle h23).
    expect(formatInZone(new Date('2026-12-06T23:00:00Z'), 'Europe/Paris')).toBe('2026-12-07 00:00 (Europe/Paris)');
  });
});
