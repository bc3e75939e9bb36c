import { describe, expect, it } from 'vitest';
import { describeTrigger } from './describe-trigger';
import { triggerSchema, type TriggerInput } from './schedule-model';

const words = (t: TriggerInput) => describeTrigger(triggerSchema.parse(t));
const cron = (expression: string, tz = 'Europe/Paris') => words({ type: 'cron', expression, tz });

describe('describeTrigger: intervals', () => {
  it.each([
    [{ every: 5, unit: 'seconds' }, 'every 5 seconds'],
    [{ every: 1, unit: 'minutes' }, 'every minute'],
    [{ every: 90, unit: 'minutes' }, 'every 90 minutes'],
    [{ every: 1, unit: 'days' }, 'every day'],
    [{ every: 6, unit: 'hours', anchor: '00:30' }, 'every 6 hours starting at 00:30 (UTC)'],
    [{ every: 2, unit: 'days', anchor: '09:00', tz: 'Europe/Berlin' }, 'every 2 days starting at 09:00 (Europe/Berlin)'],
  ] as const)('%j → %s', (t, expected) => {
    expect(words({ type: 'interval', ...t })).toBe(expected);
  });

  it('adds the start, the end (in the trigger zone) and the limit', () => {
    expect(words({ type: 'interval', every: 1, unit: 'hours', startDate: '2026-05-01T12:15:00Z', endDate: '2026-06-01T00:00:00Z', limit: 3 })).toBe(
      'every hour, from 2026-05-01 12:15 (UTC), until 2026-06-01 00:00 (UTC), at most 3 runs',
    );
    expect(words({ type: 'cron', expression: '0 9 * * *', tz: 'America/New_York', limit: 1 })).toBe('at 09:00, every day, America/New_York, at most 1 run');
  });
});

describe('describeTrigger: cron (cronstrue, 24-hour clock)', () => {
  it.each([
    ['* * * * *', 'every minute'],
    ['*/5 * * * *', 'every 5 minutes'],
    ['15 * * * *', 'at 15 minutes past the hour'],
    ['0,30 * * * *', 'at 0 and 30 minutes past the hour'],
    ['0 */6 * * *', 'on the hour, every 6 hours, Europe/Paris'],
    ['3 17 * * 0', 'at 17:03, only on Sunday, Europe/Paris'],
    ['3 17 * * 7', 'at 17:03, only on Sunday, Europe/Paris'],
    ['30 2 * * *', 'at 02:30, every day, Europe/Paris'],
    ['0 9 * * 1-5', 'at 09:00, Monday through Friday, Europe/Paris'],
    ['0 9 * * mon-fri', 'at 09:00, Monday through Friday, Europe/Paris'],
    ['0 9 * * 1,3,5', 'at 09:00, only on Monday, Wednesday, and Friday, Europe/Paris'],
    ['0 9,17 * * *', 'at 09:00 and 17:00, every day, Europe/Paris'],
    ['*/15 * * * 1-5', 'every 15 minutes, Monday through Friday, Europe/Paris'],
    ['0 0 1 * *', 'at 00:00, on day 1 of the month, Europe/Paris'],
    ['0 0 L * *', 'at 00:00, on the last day of the month, Europe/Paris'],
    ['0 18 24 DEC *', 'at 18:00, on day 24 of the month, only in December, Europe/Paris'],
    ['* * * * * *', 'every second'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['0 30 2 * * *', 'at 02:30, every day, Europe/Paris'],
  ])('%s → %s', (expression, expected) => {
    expect(cron(expression)).toBe(expected);
  });

  it('the issue examples, with their zones', () => {
    expect(cron('30 2 * * *', 'Europe/Berlin')).toBe('at 02:30, every day, Europe/Berlin');
    expect(cron('0 9 * * 1-5', 'America/New_York')).toBe('at 09:00, Monday through Friday, America/New_York');
  });

  it('says in words the shapes the hand-written phrasing fell back to the expression for', () => {
    expect(cron('0 9-17 * * *')).toBe('every hour, between 09:00 and 17:00, every day, Europe/Paris');
    expect(cron('15 30 9 * * *')).toBe('at 09:30:15, every day, Europe/Paris');
    expect(cron('0 0 * * 1#1')).toBe('at 00:00, on the first Monday of the month, Europe/Paris');
    // Day of month and weekday together mean "either" in cron, and the words say so.
    expect(cron('0 9 1 * 1')).toBe('at 09:00, on day 1 of the month, and on Monday, Europe/Paris');
  });

  it('falls back to the expression when cronstrue cannot read it', () => {
    // Not reachable through the schema (cron-parser refuses these first): called with the bare trigger.
    expect(describeTrigger({ type: 'cron', expression: '0 9 * *', tz: 'UTC' })).toBe('cron 0 9 * * (UTC)');
  });
});

describe('describeTrigger: one-off', () => {
  it('shows the date, the wall time as entered and the zone', () => {
    expect(words({ type: 'once', at: '2026-12-24T18:00', tz: 'UTC' })).toBe('once on 2026-12-24 18:00 UTC');
    expect(words({ type: 'once', at: '2026-12-24T18:00:00', tz: 'Europe/Paris' })).toBe('once on 2026-12-24 18:00 Europe/Paris');
    expect(words({ type: 'once', at: '2026-12-24T18:00:05', tz: 'Europe/Paris' })).toBe('once on 2026-12-24 18:00:05 Europe/Paris');
  });
});
