import { describe, expect, it } from 'vitest';
import { InvalidError } from '../errors';
import { parseStoredSchedule, validateSchedule, type ScheduleInput } from './schedule-model';

const now = new Date('2026-05-01T10:00:00Z');

function schedule(overrides: Partial<ScheduleInput> & Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'nightly report', task: 'hello', args: { who: 'world' }, trigger: { type: 'interval', every: 5, unit: 'seconds' }, ...overrides };
}

/** The InvalidError thrown by validateSchedule (fails the test when nothing is thrown). */
function invalid(input: unknown, at = now): InvalidError {
  try {
    validateSchedule(input, { now: at });
  } catch (err) {
    if (err instanceof InvalidError) return err;
    throw err;
  }
  throw new Error('expected an InvalidError');
}

describe('validateSchedule: valid input', () => {
  it('fills in version, defaults and timestamps from now', () => {
    expect(validateSchedule(schedule(), { now })).toEqual({
      version: 1,
      name: 'nightly report',
      task: 'hello',
      args: { who: 'world' },
      options: {},
      enabled: true,
      catchUp: false,
      source: 'ui',
      trigger: { type: 'interval', every: 5, unit: 'seconds' },
      createdAt: '2026-05-01T10:00:00.000Z',
      updatedAt: '2026-05-01T10:00:00.000Z',
    });
  });

  it('stores time zones under their canonical name and cron fields with single spaces', () => {
    const s = validateSchedule(schedule({ trigger: { type: 'cron', expression: ' 0  9 * * 1-5 ', tz: 'US/Eastern' } }), { now });
    expect(s.trigger).toEqual({ type: 'cron', expression: '0 9 * * 1-5', tz: 'America/New_York' });
  });

  it('normalises start and end dates to ISO instants in UTC', () => {
    const s = validateSchedule(
      schedule({ trigger: { type: 'cron', expression: '0 9 * * *', tz: 'UTC', startDate: '2026-06-01T09:00:00+02:00', endDate: '2026-07-01T00:00Z' } }),
      { now },
    );
    expect(s.trigger).toMatchObject({ startDate: '2026-06-01T07:00:00.000Z', endDate: '2026-07-01T00:00:00.000Z' });
  });

  it('accepts a 6-field cron, an anchored interval and a one-off with seconds', () => {
    expect(() => validateSchedule(schedule({ trigger: { type: 'cron', expression: '*/10 * * * * *', tz: 'UTC' } }), { now })).not.toThrow();
    expect(() =>
      validateSchedule(schedule({ trigger: { type: 'interval', every: 6, unit: 'hours', anchor: '00:30', tz: 'Europe/Berlin' } }), { now }),
    ).not.toThrow();
    expect(() => validateSchedule(schedule({ trigger: { type: 'once', at: '2026-05-01T12:00:05', tz: 'Europe/Paris' } }), { now })).not.toThrow();
  });

  it('keeps job options but refuses a delay (a slot is already timed)', () => {
    const s = validateSchedule(schedule({ options: { attempts: 3, priority: 1, backoff: { type: 'fixed', delay: 1000 } } }), { now });
    expect(s.options).toEqual({ attempts: 3, priority: 1, backoff: { type: 'fixed', delay: 1000 } });
    expect(invalid(schedule({ options: { delay: 5 } as never })).field).toBe('options');
  });
});

describe('validateSchedule: errors name the field', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['cron with minute 61', { trigger: { type: 'cron', expression: '61 * * * *', tz: 'UTC' } }, 'trigger.expression'],
    ['cron with 4 fields', { trigger: { type: 'cron', expression: '* * * *', tz: 'UTC' } }, 'trigger.expression'],
    ['cron macro', { trigger: { type: 'cron', expression: '@daily', tz: 'UTC' } }, 'trigger.expression'],
    ['hashed cron', { trigger: { type: 'cron', expression: 'H 9 * * THU', tz: 'UTC' } }, 'trigger.expression'],
    ['impossible date', { trigger: { type: 'cron', expression: '0 0 30 2 *', tz: 'UTC' } }, 'trigger.expression'],
    ['unknown zone (cron)', { trigger: { type: 'cron', expression: '0 9 * * *', tz: 'Mars/Olympus' } }, 'trigger.tz'],
    ['unknown zone (interval)', { trigger: { type: 'interval', every: 1, unit: 'hours', anchor: '00:30', tz: 'Nowhere/Land' } }, 'trigger.tz'],
    ['unknown zone (once)', { trigger: { type: 'once', at: '2026-12-24T18:00', tz: '+01:00' } }, 'trigger.tz'],
    ['interval of 0', { trigger: { type: 'interval', every: 0, unit: 'seconds' } }, 'trigger.every'],
    ['negative interval', { trigger: { type: 'interval', every: -5, unit: 'minutes' } }, 'trigger.every'],
    ['interval under 1 s', { trigger: { type: 'interval', every: 0.5, unit: 'seconds' } }, 'trigger.every'],
    ['interval over 366 days', { trigger: { type: 'interval', every: 367, unit: 'days' } }, 'trigger.every'],
    ['anchor on a period that does not divide a day', { trigger: { type: 'interval', every: 7, unit: 'hours', anchor: '00:30' } }, 'trigger.anchor'],
    ['anchor that is not HH:MM', { trigger: { type: 'interval', every: 6, unit: 'hours', anchor: '24:00' } }, 'trigger.anchor'],
    [
      'end before start',
      { trigger: { type: 'cron', expression: '0 9 * * *', tz: 'UTC', startDate: '2026-06-02T00:00:00Z', endDate: '2026-06-01T00:00:00Z' } },
      'trigger.endDate',
    ],
    ['end date in the past', { trigger: { type: 'interval', every: 1, unit: 'hours', endDate: '2026-04-30T00:00:00Z' } }, 'trigger.endDate'],
    ['start date without offset', { trigger: { type: 'interval', every: 1, unit: 'hours', startDate: '2026-06-01T00:00:00' } }, 'trigger.startDate'],
    ['limit of 0', { trigger: { type: 'cron', expression: '0 9 * * *', tz: 'UTC', limit: 0 } }, 'trigger.limit'],
    ['one-off in the past', { trigger: { type: 'once', at: '2026-05-01T11:59', tz: 'Europe/Paris' } }, 'trigger.at'],
    ['one-off on 30 February', { trigger: { type: 'once', at: '2026-02-30T10:00', tz: 'UTC' } }, 'trigger.at'],
    ['unknown trigger type', { trigger: { type: 'weekly' } }, 'trigger.type'],
    ['blank name', { name: '   ' }, 'name'],
    ['name with a control character', { name: 'a\u0007b' }, 'name'],
    ['name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
    ['queue with a colon', { queue: 'a:b' }, 'queue'],
    ['args over 1 MB of JSON', { args: { blob: 'x'.repeat(1024 * 1024) } }, 'args'],
  ];

  it.each(cases)('%s → %s', (_label, overrides, field) => {
    const err = invalid(schedule(overrides));
    expect(err.field).toBe(field);
    expect(err.fields?.[field]).toBeTruthy();
  });

  it('the one-off past check uses the instant in the zone, not the wall time read as UTC', () => {
    // Both read as later than 10:00 as plain wall times; in Paris (UTC+2) 12:30 is 10:30Z (ahead) and 11:30 is 09:30Z (past).
    expect(() => validateSchedule(schedule({ trigger: { type: 'once', at: '2026-05-01T12:30', tz: 'Europe/Paris' } }), { now })).not.toThrow();
    expect(invalid(schedule({ trigger: { type: 'once', at: '2026-05-01T11:30', tz: 'Europe/Paris' } })).field).toBe('trigger.at');
  });

  it('allows a past one-off when editing one that already ran', () => {
    const input = schedule({ trigger: { type: 'once', at: '2026-04-01T10:00', tz: 'UTC' } });
    expect(validateSchedule(input, { now, allowPastOneOff: true }).trigger).toEqual({ type: 'once', at: '2026-04-01T10:00', tz: 'UTC' });
  });

  it('an args payload just under 1 MB is accepted', () => {
    // {"blob":"…"} adds 11 bytes around the string.
    expect(() => validateSchedule(schedule({ args: { blob: 'x'.repeat(1024 * 1024 - 11) } }), { now })).not.toThrow();
  });
});

describe('parseStoredSchedule', () => {
  it('reads back what validateSchedule produced, with no clock checks', () => {
    const s = validateSchedule(schedule({ trigger: { type: 'once', at: '2026-05-01T12:00', tz: 'UTC' } }), { now });
    expect(parseStoredSchedule(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('refuses a version it does not know', () => {
    const s = validateSchedule(schedule(), { now });
    expect(() => parseStoredSchedule({ ...s, version: 2 })).toThrow(InvalidError);
  });
});
