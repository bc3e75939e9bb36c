import { describe, expect, it } from 'vitest';
import { triggerSchema, type CronTrigger, type IntervalTrigger, type OnceTrigger, type TriggerInput } from './schedule-model';
import { oneOffJob, oneOffJobId, triggerToRepeat, type RepeatContext } from './trigger-to-repeat';
import { phaseOf } from './interval-grid';

const now = Date.parse('2026-05-01T10:00:00Z');
const ms = (iso: string) => Date.parse(iso);

function repeat(trigger: TriggerInput, ctx: Partial<RepeatContext> = {}) {
  return triggerToRepeat(triggerSchema.parse(trigger) as IntervalTrigger | CronTrigger, { schedule: 'nightly', now, ...ctx });
}

describe('triggerToRepeat: cron', () => {
  it('maps to pattern and tz', () => {
    expect(repeat({ type: 'cron', expression: '3 17 * * 0', tz: 'Europe/Paris' })).toEqual({ pattern: '3 17 * * 0', tz: 'Europe/Paris' });
  });

  it('passes the start date 1 ms early so a start on a slot is included; end date and limit as they are', () => {
    expect(
      repeat({ type: 'cron', expression: '0 9 * * 1-5', tz: 'America/New_York', startDate: '2026-11-02T14:00:00Z', endDate: '2026-12-01T00:00:00Z', limit: 2 }),
    ).toEqual({
      pattern: '0 9 * * 1-5',
      tz: 'America/New_York',
      startDate: ms('2026-11-02T14:00:00Z') - 1,
      endDate: ms('2026-12-01T00:00:00Z'),
      limit: 2,
    });
  });

  it('takes off the runs already made from the limit, and gives null when none is left', () => {
    const t: TriggerInput = { type: 'cron', expression: '0 9 * * *', tz: 'UTC', limit: 5 };
    expect(repeat(t, { runsSoFar: 2 })).toMatchObject({ limit: 3 });
    expect(repeat(t, { runsSoFar: 5 })).toBeNull();
  });

  it('is null when no match is left before the end date', () => {
    // Next 09:00 after 10:00 on 1 May is 2 May; the schedule ends before it.
    expect(repeat({ type: 'cron', expression: '0 9 * * *', tz: 'UTC', endDate: '2026-05-02T08:59:59Z' })).toBeNull();
  });
});

describe('triggerToRepeat: interval', () => {
  it("unanchored: the offset is the name's phase", () => {
    expect(repeat({ type: 'interval', every: 5, unit: 'seconds' })).toEqual({ every: 5000, offset: phaseOf('nightly', 5000) || 5000 });
  });

  it('anchored at 00:00: an offset of one full period puts the slots on multiples of it (0 would mean "run now")', () => {
    expect(repeat({ type: 'interval', every: 5, unit: 'seconds', anchor: '00:00' })).toEqual({ every: 5000, offset: 5000 });
  });

  it('anchored: the offset is the anchor instant modulo the period', () => {
    // 00:30 UTC → 30 min into each 6 h period.
    expect(repeat({ type: 'interval', every: 6, unit: 'hours', anchor: '00:30' })).toEqual({ every: 21_600_000, offset: 1_800_000 });
    // 00:30 CEST = 22:30Z → 4 h 30 min into each 6 h period.
    expect(repeat({ type: 'interval', every: 6, unit: 'hours', anchor: '00:30', tz: 'Europe/Berlin' })).toEqual({
      every: 21_600_000,
      offset: 16_200_000,
    });
  });

  it('a running scheduler keeps its grid (BullMQ keeps the pending slot on re-upsert)', () => {
    expect(repeat({ type: 'interval', every: 1, unit: 'minutes' }, { scheduledNext: ms('2026-05-01T10:00:20Z') })).toEqual({
      every: 60_000,
      offset: 20_000,
    });
  });

  it('a future start date is passed as its first grid slot; a past one is left out (BullMQ would run it now, off the grid)', () => {
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', startDate: '2026-05-01T12:15:00Z' })).toEqual({
      every: 3_600_000,
      offset: 900_000,
      startDate: ms('2026-05-01T12:15:00Z'),
    });
    expect(repeat({ type: 'interval', every: 6, unit: 'hours', anchor: '00:30', startDate: '2026-05-08T08:00:00Z' })).toEqual({
      every: 21_600_000,
      offset: 1_800_000,
      startDate: ms('2026-05-08T12:30:00Z'),
    });
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', startDate: '2026-05-01T08:15:00Z' })).toEqual({ every: 3_600_000, offset: 900_000 });
  });

  it('the end date becomes the midpoint before the last slot (BullMQ checks it when taking a job, not against the next slot)', () => {
    // Slots 11:00, 12:00, 13:00; the 12:00 job, taken at 12:00.0x, must create 13:00; the 13:00 job must create nothing.
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', endDate: '2026-05-01T13:00:00Z' })).toEqual({
      every: 3_600_000,
      offset: 3_600_000,
      endDate: ms('2026-05-01T12:30:00Z'),
    });
  });

  it('a single run left is limit 1; no run left is null', () => {
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', endDate: '2026-05-01T11:30:00Z' })).toEqual({
      every: 3_600_000,
      offset: 3_600_000,
      limit: 1,
    });
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', endDate: '2026-05-01T10:30:00Z' })).toBeNull();
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', limit: 4 }, { runsSoFar: 4 })).toBeNull();
    expect(repeat({ type: 'interval', every: 1, unit: 'hours', anchor: '00:00', limit: 4 }, { runsSoFar: 1 })).toEqual({
      every: 3_600_000,
      offset: 3_600_000,
      limit: 3,
    });
  });
});

describe('one-off job', () => {
  it('has a deterministic id without ":" that BullMQ accepts, and the instant in the zone', () => {
    const t = triggerSchema.parse({ type: 'once', at: '2026-12-24T18:00', tz: 'Europe/Paris' }) as OnceTrigger;
    const job = oneOffJob('reports:year-end', t);
    expect(job).toEqual({ jobId: 'schedule-once-reports%3Ayear-end-1798131600000', delayUntil: ms('2026-12-24T17:00:00Z') });
    expect(oneOffJob('reports:year-end', t)).toEqual(job);
    expect(job.jobId).not.toContain(':');
  });

  it('different names never share an id (percent-encoding is injective)', () => {
    expect(oneOffJobId('a-b', 1)).not.toBe(oneOffJobId('a%2Db', 1));
    expect(oneOffJobId('a b', 1)).toBe('schedule-once-a%20b-1');
  });
});
