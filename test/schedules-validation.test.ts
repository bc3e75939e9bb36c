import { beforeAll, describe, expect, it } from 'vitest';
import { celerityKeys } from '@/lib/keys';
import { ConflictError, InvalidError, toHttpError } from '@/lib/errors';
import { createSchedule, replaceSchedule, requireSchedule } from '@/lib/scheduler/schedule-service';
import { readDefinition, readRuns } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { registry } from '@/worker/tasks';
import { onScheduleGrid, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Bad input through the service functions the API routes call: a 400 naming the
 * field, nothing written to Redis, and an edit that fails leaves the running
 * schedule exactly as it was (its BullMQ scheduler untouched, its runs going on).
 */
const stack = queueStack();
const { redis } = stack;
// An observer on the demo tasks' queue: it must not write anything itself.
const queue = stack.observe();

beforeAll(async () => {
  // A worker publishes the task catalogue (createSchedule checks the task and its arguments against it) and runs the jobs.
  await stack.worker(registry);
});

const every = (n: number, unit = 'seconds') => ({ type: 'interval', every: n, unit });

/** Wall time `YYYY-MM-DDTHH:MM:SS` in UTC (what a one-off's `at` takes). */
function utcWall(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The service call's error, checked to be a 400 naming `field` once it goes through the one HTTP mapper. */
async function expect400(call: Promise<unknown>, field: string): Promise<InvalidError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a 400 on ${field}`).toBeInstanceOf(InvalidError);
  const http = toHttpError(err);
  expect(http.status).toBe(400);
  expect(http.body.error.field).toBe(field);
  return err as InvalidError;
}

/** Nothing of a schedule exists in Redis: no definition, no state or history, no BullMQ scheduler. */
async function expectNothingSaved(name: string): Promise<void> {
  const k = celerityKeys();
  expect(await readDefinition(redis, name)).toBeUndefined();
  expect(await redis.exists(k.scheduleState(name), k.scheduleRuns(name), k.scheduleRunIndex(name))).toBe(0);
  expect(await queue.getJobScheduler(schedulerId(name))).toBeUndefined();
}

// Each bad input with the field the 400 must name.
const bad: [string, (name: string) => Record<string, unknown>, string][] = [
  ['invalid cron 61 * * * *', (name) => ({ name, task: 'hello', trigger: { type: 'cron', expression: '61 * * * *', tz: 'UTC' } }), 'trigger.expression'],
  ['unknown time zone', (name) => ({ name, task: 'hello', trigger: { type: 'cron', expression: '0 9 * * *', tz: 'Mars/Olympus_Mons' } }), 'trigger.tz'],
  ['interval 0', (name) => ({ name, task: 'hello', trigger: every(0) }), 'trigger.every'],
  ['interval 0.5 s', (name) => ({ name, task: 'hello', trigger: every(0.5) }), 'trigger.every'],
  ['negative interval', (name) => ({ name, task: 'hello', trigger: every(-5, 'minutes') }), 'trigger.every'],
  [
    'end before start',
    (name) => ({ name, task: 'hello', trigger: { ...every(10), startDate: '2099-01-02T00:00:00Z', endDate: '2099-01-01T00:00:00Z' } }),
    'trigger.endDate',
  ],
  ['one-off in the past', (name) => ({ name, task: 'hello', trigger: { type: 'once', at: utcWall(Date.now() - 60_000), tz: 'UTC' } }), 'trigger.at'],
  ['args failing the task schema', (name) => ({ name, task: 'add', args: { a: 'one', b: 2 }, trigger: every(10) }), 'args.a'],
  ['unknown task', (name) => ({ name, task: 'no-such-task', trigger: every(10) }), 'task'],
  // 1 MB of JSON and a bit: checked before the task's schema, so even `hello` (no arguments) says `args`.
  ['args over 1 MB', (name) => ({ name, task: 'hello', args: { pad: 'x'.repeat(1024 * 1024) }, trigger: every(10) }), 'args'],
];

describe('createSchedule: bad input', () => {
  it.each(bad)('%s → 400 on the field, nothing saved', async (_label, body, field) => {
    const name = uniqueName('bad');
    await expect400(createSchedule(body(name)), field);
    await expectNothingSaved(name);
  });

  it('a duplicate name → 409, and the first schedule is unchanged', async () => {
    const name = uniqueName('dup');
    const first = await createSchedule({ name, task: 'hello', trigger: every(7, 'days') });
    const scheduler = await queue.getJobScheduler(schedulerId(name));
    expect(scheduler?.every).toBe(7 * 86_400_000);

    const err = await createSchedule({ name, task: 'add', args: { a: 1, b: 2 }, trigger: every(5) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(toHttpError(err).status).toBe(409);

    expect(await requireSchedule(name)).toEqual(first);
    const after = await queue.getJobScheduler(schedulerId(name));
    expect(after?.every).toBe(7 * 86_400_000);
    expect(after?.next).toBe(scheduler?.next);
    expect(after?.name).toBe('hello');
  });
});

describe('replaceSchedule: an edit that fails leaves the old schedule running untouched', () => {
  it('every bad edit is a 400; definition, scheduler `next` and pending job are unchanged; runs go on', async () => {
    // Two schedules: a yearly one, whose `next` must stay exactly the same through the failed edits
    // (a re-upsert would move or recreate it), and an every-second one, which must keep producing jobs.
    const yearly = uniqueName('yearly');
    const secondly = uniqueName('secondly');
    await createSchedule({ name: yearly, task: 'add', args: { a: 1, b: 2 }, trigger: { type: 'cron', expression: '30 4 1 1 *', tz: 'Europe/Paris' } });
    await createSchedule({ name: secondly, task: 'hello', trigger: every(1) });
    const firstRun = await waitFor(
      'a run of the every-second schedule',
      () => readRuns(redis, secondly),
      (r) => r.some((x) => x.state === 'completed'),
    );
    const lastSlotBefore = Math.max(...firstRun.map((r) => r.slot ?? 0));

    const defsBefore = { yearly: await requireSchedule(yearly), secondly: await requireSchedule(secondly) };
    const schedBefore = await queue.getJobScheduler(schedulerId(yearly));
    expect(schedBefore?.next).toBeGreaterThan(Date.now());
    const pendingId = `repeat:${schedulerId(yearly)}:${schedBefore?.next}`;
    expect(await queue.getJobState(pendingId)).toBe('delayed');

    for (const name of [yearly, secondly]) {
      // The whole edit is checked before anything is written; each of these fails on its one bad field.
      for (const [, body, field] of bad) await expect400(replaceSchedule(name, body(name)), field);
      // A rename through PUT is refused too.
      await expect400(replaceSchedule(name, { name: `${name}-renamed`, task: 'hello', trigger: every(5) }), 'name');
    }

    expect(await requireSchedule(yearly)).toEqual(defsBefore.yearly);
    expect(await requireSchedule(secondly)).toEqual(defsBefore.secondly);
    const schedAfter = await queue.getJobScheduler(schedulerId(yearly));
    expect(schedAfter?.next).toBe(schedBefore?.next);
    expect(schedAfter?.pattern).toBe('30 4 1 1 *');
    expect(schedAfter?.tz).toBe('Europe/Paris');
    expect(await queue.getJobState(pendingId)).toBe('delayed');

    // The every-second schedule still runs: a slot after the failed edits completes, on the same 1 s grid.
    const editsDone = Date.now();
    const runs = await waitFor(
      'a run after the failed edits',
      () => readRuns(redis, secondly),
      (r) => r.some((x) => x.state === 'completed' && (x.slot ?? 0) > editsDone),
      5_000,
    );
    const slots = runs.map((r) => r.slot!).sort((a, b) => a - b);
    expect(slots.every(onScheduleGrid(secondly, 1000))).toBe(true);
    expect(Math.max(...slots)).toBeGreaterThan(lastSlotBefore);
  });
});
