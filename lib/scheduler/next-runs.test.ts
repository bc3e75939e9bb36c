import { describe, expect, it } from 'vitest';
import { nextRuns, type NextRunsOptions } from './next-runs';
import { phaseOf } from './interval-grid';
import { triggerSchema, type TriggerInput } from './schedule-model';

/** Next runs as ISO strings; the trigger goes through the schema like a stored one. */
function runs(trigger: TriggerInput, from: string, count = 5, extra: Partial<NextRunsOptions> = {}): string[] {
  return nextRuns(triggerSchema.parse(trigger), { schedule: 'nightly', from: new Date(from), count, ...extra }).map((d) => d.toISOString());
}

describe('cron across DST (the instants BullMQ/cron-parser produce)', () => {
  it('30 2 * * * Europe/Berlin, spring forward 2026-03-29: 02:30 does not exist, the run moves to 03:30 CEST', () => {
    expect(runs({ type: 'cron', expression: '30 2 * * *', tz: 'Europe/Berlin' }, '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET (UTC+1)
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: the clocks jump 02:00 → 03:00, shifted forward by the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST (UTC+2)
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('30 2 * * * Europe/Berlin, fall back 2026-10-25: 02:30 happens twice, the job runs once (the first)', () => {
    const r = runs({ type: 'cron', expression: '30 2 * * *', tz: 'Europe/Berlin' }, '2026-10-23T12:00:00Z', 4);
    expect(r).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, first of the two 02:30s; 01:30Z (02:30 CET) does not run
      '2026-10-26T01:30:00.000Z', // 02:30 CET (UTC+1)
      '2026-10-27T01:30:00.000Z',
    ]);
    expect(r.filter((t) => t.startsWith('2026-10-25'))).toHaveLength(1);
  });

  it('0 9 * * 1-5 America/New_York across 2026-11-01: 13:00Z under EDT, 14:00Z under EST, no weekend', () => {
    expect(runs({ type: 'cron', expression: '0 9 * * 1-5', tz: 'America/New_York' }, '2026-10-29T12:00:00Z', 5)).toEqual([
      '2026-10-29T13:00:00.000Z', // Thu, EDT (UTC−4)
      '2026-10-30T13:00:00.000Z', // Fri
      '2026-11-02T14:00:00.000Z', // Mon, EST (UTC−5) since Sun 1 Nov
      '2026-11-03T14:00:00.000Z',
      '2026-11-04T14:00:00.000Z',
    ]);
  });

  it('3 17 * * 0 Europe/Paris: the next five Sundays at 17:03 Paris time (16:03Z in winter)', () => {
    expect(runs({ type: 'cron', expression: '3 17 * * 0', tz: 'Europe/Paris' }, '2026-12-01T00:00:00Z')).toEqual([
      '2026-12-06T16:03:00.000Z',
      '2026-12-13T16:03:00.000Z',
      '2026-12-20T16:03:00.000Z',
      '2026-12-27T16:03:00.000Z',
      '2027-01-03T16:03:00.000Z',
    ]);
  });

  it('runs are strictly after `from` (a slot exactly at `from` is the current one, not a next one)', () => {
    expect(runs({ type: 'cron', expression: '0 9 * * *', tz: 'UTC' }, '2026-05-01T09:00:00Z', 1)).toEqual(['2026-05-02T09:00:00.000Z']);
  });

  it('6-field cron with seconds', () => {
    expect(runs({ type: 'cron', expression: '*/20 * * * * *', tz: 'UTC' }, '2026-05-01T09:00:00.500Z', 3)).toEqual([
      '2026-05-01T09:00:20.000Z',
      '2026-05-01T09:00:40.000Z',
      '2026-05-01T09:01:00.000Z',
    ]);
  });
});

describe('cron bounds', () => {
  it('a start date on a slot is included (inclusive), and the end date too', () => {
    expect(
      runs(
        { type: 'cron', expression: '0 9 * * *', tz: 'UTC', startDate: '2026-05-03T09:00:00Z', endDate: '2026-05-05T09:00:00Z' },
        '2026-05-01T00:00:00Z',
        10,
      ),
    ).toEqual(['2026-05-03T09:00:00.000Z', '2026-05-04T09:00:00.000Z', '2026-05-05T09:00:00.000Z']);
  });

  it('limit caps the runs, counting the runs already made', () => {
    const t: TriggerInput = { type: 'cron', expression: '0 9 * * *', tz: 'UTC', limit: 3 };
    expect(runs(t, '2026-05-01T00:00:00Z', 10)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-02T09:00:00.000Z', '2026-05-03T09:00:00.000Z']);
    expect(runs(t, '2026-05-01T00:00:00Z', 10, { runsSoFar: 2 })).toEqual(['2026-05-01T09:00:00.000Z']);
    expect(runs(t, '2026-05-01T00:00:00Z', 10, { runsSoFar: 3 })).toEqual([]);
  });
});

describe('interval', () => {
  it("unanchored: a fixed phase of the period, taken from the schedule's name", () => {
    const every5s: TriggerInput = { type: 'interval', every: 5, unit: 'seconds' };
    const phase = phaseOf('nightly', 5000);
    const first = Date.parse('2026-05-01T10:00:00Z') + phase; // 10:00:00 is a multiple of 5 s
    expect(runs(every5s, '2026-05-01T09:59:59.999Z', 3)).toEqual([first, first + 5000, first + 10_000].map((t) => new Date(t).toISOString()));
    // The same name gives the same slots whenever asked (preview = execution, and across restarts).
    expect(runs(every5s, '2026-05-01T10:00:07Z', 1)).toEqual([new Date(first + 5000).toISOString()]);
    // "Every hour": a fixed second within the first minute of each hour.
    const [h1, h2] = runs({ type: 'interval', every: 1, unit: 'hours' }, '2026-05-01T10:00:00Z', 2).map(Date.parse);
    expect(h2! - h1!).toBe(3_600_000);
    expect(h1! - Date.parse('2026-05-01T10:00:00Z')).toBe(phaseOf('nightly', 3_600_000));
    expect(phaseOf('nightly', 3_600_000)).toBeLessThan(60_000);
  });

  it('unanchored phases spread schedules over the period (a thousand "every second" schedules do not fire together)', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => phaseOf(`s${String(i).padStart(4, '0')}`, 1000));
    expect(phases.every((p) => Number.isInteger(p) && p >= 0 && p < 1000)).toBe(true);
    // Per 100 ms tenth of the second: close to 100 each, none crowded.
    const tenths = Array.from({ length: 10 }, (_, k) => phases.filter((p) => Math.floor(p / 100) === k).length);
    expect(Math.max(...tenths)).toBeLessThan(150);
    expect(Math.min(...tenths)).toBeGreaterThan(50);
  });

  it('anchored at 00:00: on round multiples of the period (every 5 s → :00, :05, :10…)', () => {
    expect(runs({ type: 'interval', every: 5, unit: 'seconds', anchor: '00:00' }, '2026-05-01T10:00:02.500Z', 3)).toEqual([
      '2026-05-01T10:00:05.000Z',
      '2026-05-01T10:00:10.000Z',
      '2026-05-01T10:00:15.000Z',
    ]);
  });

  it('every 6 hours starting at 00:30 UTC', () => {
    expect(runs({ type: 'interval', every: 6, unit: 'hours', anchor: '00:30' }, '2026-05-01T10:00:00Z', 4)).toEqual([
      '2026-05-01T12:30:00.000Z',
      '2026-05-01T18:30:00.000Z',
      '2026-05-02T00:30:00.000Z',
      '2026-05-02T06:30:00.000Z',
    ]);
  });

  it('every 6 hours starting at 00:30 Europe/Berlin: 00:30/06:30/12:30/18:30 local, in summer (UTC+2) and in winter (UTC+1)', () => {
    const t: TriggerInput = { type: 'interval', every: 6, unit: 'hours', anchor: '00:30', tz: 'Europe/Berlin' };
    expect(runs(t, '2026-05-01T10:00:00Z', 4)).toEqual([
      '2026-05-01T10:30:00.000Z', // 12:30 CEST
      '2026-05-01T16:30:00.000Z',
      '2026-05-01T22:30:00.000Z', // 00:30 CEST
      '2026-05-02T04:30:00.000Z',
    ]);
    expect(runs(t, '2026-01-10T00:00:00Z', 4)).toEqual([
      '2026-01-10T05:30:00.000Z', // 06:30 CET
      '2026-01-10T11:30:00.000Z',
      '2026-01-10T17:30:00.000Z',
      '2026-01-10T23:30:00.000Z', // 00:30 CET
    ]);
  });

  it('a running anchored schedule keeps its grid through a DST change (fixed period: local times move by an hour)', () => {
    // Created in winter; BullMQ's next slot after 29 March is still on the 05:30Z grid, now 07:30 CEST.
    const t: TriggerInput = { type: 'interval', every: 6, unit: 'hours', anchor: '00:30', tz: 'Europe/Berlin' };
    expect(runs(t, '2026-03-29T03:00:00Z', 2, { scheduledNext: Date.parse('2026-03-29T05:30:00Z') })).toEqual([
      '2026-03-29T05:30:00.000Z',
      '2026-03-29T11:30:00.000Z',
    ]);
  });

  it('every 2 days starting at 09:00 Europe/Berlin: from the next 09:00', () => {
    expect(runs({ type: 'interval', every: 2, unit: 'days', anchor: '09:00', tz: 'Europe/Berlin' }, '2026-05-01T10:00:00Z', 3)).toEqual([
      '2026-05-02T07:00:00.000Z',
      '2026-05-04T07:00:00.000Z',
      '2026-05-06T07:00:00.000Z',
    ]);
  });

  it('a start date sets the grid and is inclusive; a past start date keeps its grid', () => {
    expect(runs({ type: 'interval', every: 1, unit: 'hours', startDate: '2026-05-01T12:15:00Z' }, '2026-05-01T10:00:00Z', 2)).toEqual([
      '2026-05-01T12:15:00.000Z',
      '2026-05-01T13:15:00.000Z',
    ]);
    expect(runs({ type: 'interval', every: 1, unit: 'hours', startDate: '2026-05-01T08:15:00Z' }, '2026-05-01T10:00:00Z', 2)).toEqual([
      '2026-05-01T10:15:00.000Z',
      '2026-05-01T11:15:00.000Z',
    ]);
  });

  it('an anchored start date starts at the first anchor time on or after it', () => {
    // every 6 h from 00:30 UTC, starting Friday 08:00 → 12:30 is the first slot of the grid after 08:00.
    expect(runs({ type: 'interval', every: 6, unit: 'hours', anchor: '00:30', startDate: '2026-05-08T08:00:00Z' }, '2026-05-01T10:00:00Z', 2)).toEqual([
      '2026-05-08T12:30:00.000Z',
      '2026-05-08T18:30:00.000Z',
    ]);
  });

  it('the end date (inclusive) and the limit truncate the list', () => {
    expect(runs({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', endDate: '2026-05-01T13:00:00Z' }, '2026-05-01T10:00:00Z', 10)).toEqual([
      '2026-05-01T11:00:00.000Z',
      '2026-05-01T12:00:00.000Z',
      '2026-05-01T13:00:00.000Z',
    ]);
    expect(runs({ type: 'interval', every: 30, unit: 'minutes', anchor: '00:00', limit: 2 }, '2026-05-01T10:00:00Z', 10)).toEqual([
      '2026-05-01T10:30:00.000Z',
      '2026-05-01T11:00:00.000Z',
    ]);
    expect(runs({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', endDate: '2026-05-01T10:30:00Z' }, '2026-05-01T10:00:00Z', 10)).toEqual([]);
  });

  it('an overdue scheduled slot is not listed; the list resumes at the next grid point', () => {
    expect(runs({ type: 'interval', every: 1, unit: 'minutes' }, '2026-05-01T10:00:30Z', 2, { scheduledNext: Date.parse('2026-05-01T09:58:00Z') })).toEqual([
      '2026-05-01T10:01:00.000Z',
      '2026-05-01T10:02:00.000Z',
    ]);
  });
});

describe('one-off', () => {
  it('converts the wall time with the zone: winter and summer offsets', () => {
    expect(runs({ type: 'once', at: '2026-12-24T18:00', tz: 'Europe/Paris' }, '2026-05-01T00:00:00Z')).toEqual(['2026-12-24T17:00:00.000Z']);
    expect(runs({ type: 'once', at: '2026-07-14T18:00', tz: 'Europe/Paris' }, '2026-05-01T00:00:00Z')).toEqual(['2026-07-14T16:00:00.000Z']);
  });

  it('DST gap → shifted forward (as cron does); overlap → first occurrence', () => {
    expect(runs({ type: 'once', at: '2026-03-29T02:30', tz: 'Europe/Berlin' }, '2026-03-01T00:00:00Z')).toEqual(['2026-03-29T01:30:00.000Z']);
    expect(runs({ type: 'once', at: '2026-10-25T02:30', tz: 'Europe/Berlin' }, '2026-03-01T00:00:00Z')).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('is empty once the time has passed; exactly at `from` it is still listed', () => {
    expect(runs({ type: 'once', at: '2026-05-01T10:00', tz: 'UTC' }, '2026-05-01T10:00:00.001Z')).toEqual([]);
    expect(runs({ type: 'once', at: '2026-05-01T10:00', tz: 'UTC' }, '2026-05-01T10:00:00Z')).toEqual(['2026-05-01T10:00:00.000Z']);
  });
});
