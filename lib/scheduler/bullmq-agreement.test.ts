import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker, type RepeatOptions } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { env } from '../env';
import { createRedis } from '../redis';
import { nextRuns } from './next-runs';
import { triggerSchema, type CronTrigger, type IntervalTrigger, type TriggerInput } from './schedule-model';
import { oneOffJobId, triggerToRepeat } from './trigger-to-repeat';

/**
 * The preview must be what BullMQ executes. These tests upsert real job
 * schedulers (private Redis of the test run, fresh prefix) with the options
 * `triggerToRepeat` builds, and compare BullMQ's slots with `nextRuns`.
 */

const prefix = env().CELERITY_PREFIX;
const connection = createRedis('command');
const queueName = `sched-${randomBytes(4).toString('hex')}`;
const queue = new Queue(queueName, { connection, prefix });
let worker: Worker | undefined;

afterAll(async () => {
  await worker?.close();
  await queue.close();
  await connection.quit();
});

const parse = (t: TriggerInput) => triggerSchema.parse(t) as IntervalTrigger | CronTrigger;
const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

describe('first slot of a new scheduler = first run of the preview', () => {
  const cases: [string, TriggerInput][] = [
    ['every 5 seconds', { type: 'interval', every: 5, unit: 'seconds' }],
    ['every 6 hours from 00:30 Berlin', { type: 'interval', every: 6, unit: 'hours', anchor: '00:30', tz: 'Europe/Berlin' }],
    ['every 2 days from 09:00 New York', { type: 'interval', every: 2, unit: 'days', anchor: '09:00', tz: 'America/New_York' }],
    ['every hour from a future start', { type: 'interval', every: 1, unit: 'hours', startDate: '2027-03-01T14:20:00Z' }],
    ['cron 3 17 * * 0 Paris', { type: 'cron', expression: '3 17 * * 0', tz: 'Europe/Paris' }],
    // 2027-03-01 is a Monday; 09:00 EST is 14:00Z. The start date is itself a slot and must be included.
    ['cron weekdays NY from a slot', { type: 'cron', expression: '0 9 * * 1-5', tz: 'America/New_York', startDate: '2027-03-01T14:00:00Z' }],
  ];

  it.each(cases)('%s', async (label, input) => {
    const trigger = parse(input);
    const id = `agree-${label.replace(/\W+/g, '-')}`;
    const before = Date.now();
    const repeat = triggerToRepeat(trigger, { schedule: id, now: before });
    expect(repeat).not.toBeNull();
    await queue.upsertJobScheduler(id, repeat as RepeatOptions, { name: 'hello', data: {} });
    const after = Date.now();
    const scheduler = await queue.getJobScheduler(id);
    // BullMQ read the clock between `before` and `after`; a slot boundary could fall in between.
    const expected = [
      nextRuns(trigger, { schedule: id, from: new Date(before), count: 1 })[0],
      nextRuns(trigger, { schedule: id, from: new Date(after), count: 1 })[0],
    ];
    expect(expected.map((d) => d?.toISOString())).toContain(iso(scheduler?.next));
    expect(await queue.getJob(`repeat:${id}:${scheduler?.next}`)).toBeTruthy();
  });

  it('the start-date cases land on the literal instants', async () => {
    expect(iso((await queue.getJobScheduler('agree-cron-weekdays-NY-from-a-slot'))?.next)).toBe('2027-03-01T14:00:00.000Z');
    expect(iso((await queue.getJobScheduler('agree-every-hour-from-a-future-start'))?.next)).toBe('2027-03-01T14:20:00.000Z');
  });
});

describe('executed slots = previewed slots (a worker runs them)', () => {
  it('every 1 s with an end date, every 1 s with a limit, a 6-field cron between two dates; and BullMQ’s own end-date overshoot', async () => {
    const seen = new Map<string, number[]>();
    worker = new Worker(
      queueName,
      async (job) => {
        const m = /^repeat:(.+):(\d+)$/.exec(job.id ?? '');
        if (m?.[1] && m[2]) seen.set(m[1], [...(seen.get(m[1]) ?? []), Number(m[2])]);
      },
      { connection: createRedis('blocking'), prefix, concurrency: 10 },
    );
    await worker.waitUntilReady();
    // Remove the far-future schedulers of the other tests: only this test's slots should run.
    for (const s of await queue.getJobSchedulers()) await queue.removeJobScheduler(s.key);

    const now = Date.now();
    const second = Math.ceil(now / 1000) * 1000;
    const end = second + 3000;
    const start = second + 2000;
    // Anchored at 00:00 so the interval slots are round seconds, like the cron's and the end dates.
    const triggers: Record<string, IntervalTrigger | CronTrigger> = {
      ends: parse({ type: 'interval', every: 1, unit: 'seconds', anchor: '00:00', endDate: new Date(end).toISOString() }),
      // An end date between two slots: the last run is the slot before it.
      'ends-between': parse({ type: 'interval', every: 1, unit: 'seconds', anchor: '00:00', endDate: new Date(end - 500).toISOString() }),
      limited: parse({ type: 'interval', every: 1, unit: 'seconds', anchor: '00:00', limit: 2 }),
      'cron-window': parse({
        type: 'cron',
        expression: '* * * * * *',
        tz: 'UTC',
        startDate: new Date(start).toISOString(),
        endDate: new Date(start + 2000).toISOString(),
      }),
    };
    const previews: Record<string, number[]> = {};
    for (const [id, trigger] of Object.entries(triggers)) {
      const at = Date.now();
      previews[id] = nextRuns(trigger, { schedule: id, from: new Date(at), count: 100 }).map((d) => d.getTime());
      await queue.upsertJobScheduler(id, triggerToRepeat(trigger, { schedule: id, now: at }) as RepeatOptions, { name: 'hello', data: {} });
    }
    // BullMQ given the real end date (between two slots) of an `every` schedule: what our translation works around.
    await queue.upsertJobScheduler('raw-end', { every: 1000, offset: 1000, endDate: end - 500 }, { name: 'hello', data: {} });

    await new Promise((r) => setTimeout(r, start + 2000 - Date.now() + 1500));

    expect(previews['cron-window']).toEqual([start, start + 1000, start + 2000]);
    for (const id of Object.keys(triggers)) {
      expect({ id, slots: (seen.get(id) ?? []).sort() }).toEqual({ id, slots: previews[id] });
    }
    expect(previews['ends']?.at(-1)).toBe(end);
    expect(previews['ends-between']?.at(-1)).toBe(end - 1000);
    expect(previews['limited']).toHaveLength(2);
    // BullMQ 6.7 checks an `every` end date when a job is taken (the 09:59:59 job sees a 10:00:00.5 end
    // date still ahead), so it runs the slot after the end date too. If this starts failing, BullMQ
    // changed: revisit the end-date translation in intervalRepeatOptions.
    expect(Math.max(...(seen.get('raw-end') ?? []))).toBe(end);
  }, 20_000);
});

describe('one-off job ids', () => {
  it('are accepted by BullMQ, and adding the same one twice keeps one job', async () => {
    const jobId = oneOffJobId('reports:year-end', Date.parse('2099-12-24T17:00:00Z'));
    const a = await queue.add('hello', {}, { jobId, delay: 60_000 });
    const b = await queue.add('hello', {}, { jobId, delay: 60_000 });
    expect(a.id).toBe(jobId);
    expect(b.id).toBe(jobId);
    expect(await queue.getDelayedCount()).toBe(1);
    // The rules the id format avoids (BullMQ 6.7 Job.validateOptions).
    await expect(queue.add('hello', {}, { jobId: '12' })).rejects.toThrow(/integers/);
    await expect(queue.add('hello', {}, { jobId: 'once:x' })).rejects.toThrow(/cannot contain/);
  });
});
