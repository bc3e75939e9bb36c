import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidError, toHttpError } from '@/lib/errors';
import { createSchedule, deleteSchedule, runScheduleNow } from '@/lib/scheduler/schedule-service';
import { readDefinition, readRuns } from '@/lib/scheduler/schedule-store';
import { syncCodeSchedules, validateCodeSchedules } from '@/lib/scheduler/code-schedules';
import { defineSchedule } from '@/lib/scheduler/define-schedule';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { readRun, runKeys } from '@/lib/workflows/run-store';
import { createLogger } from '@/lib/logger';
import { registry } from '@/worker/tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * A schedule that targets a workflow, end to end on real Redis with the demo worker's
 * registry: each slot starts a workflow run (recorded by the worker), the schedule's
 * history names the run, and bad input is a 400 naming the field with nothing saved.
 */
const stack = queueStack();
const { redis } = stack;

beforeAll(async () => {
  // Publishes the task and workflow catalogues (createSchedule checks the target and its arguments) and runs the jobs.
  await stack.worker(registry);
});

const everySecond = { type: 'interval', every: 1, unit: 'seconds' } as const;
// The demo chord with one small image: about a second per run.
const thumbnailsArgs = { images: 1, width: 64 };

async function expect400(call: Promise<unknown>, field: string): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a 400 on ${field}`).toBeInstanceOf(InvalidError);
  const http = toHttpError(err);
  expect(http.status).toBe(400);
  expect(http.body.error.field).toBe(field);
}

describe('a schedule that targets a workflow', () => {
  it('starts a run every second; the runs complete and the history names them', async () => {
    const name = uniqueName('wf-every-second');
    const def = await createSchedule({ name, workflow: 'thumbnails', args: thumbnailsArgs, trigger: everySecond });
    expect(def).toMatchObject({ workflow: 'thumbnails', args: thumbnailsArgs });
    expect(def.task).toBeUndefined();
    const finished = await waitFor(
      'two finished scheduled runs',
      () => readRuns(redis, name, 10),
      (runs) => runs.filter((r) => r.state === 'completed').length >= 2,
    );
    await deleteSchedule(name);
    for (const r of finished.filter((x) => x.state === 'completed')) {
      expect(r.kind).toBe('scheduled');
      expect(r.workflowRun).toMatch(/^[0-9a-f]{16}$/);
      const run = await waitFor(
        `workflow run ${r.workflowRun} completed`,
        () => readRun(redis, r.workflowRun!),
        (x) => x?.state === 'completed',
      );
      expect(run).toMatchObject({ workflow: 'thumbnails', args: thumbnailsArgs, result: { count: 1 } });
      // Listed with the workflow's runs, as a run started from the console is.
      expect(await redis.zscore(runKeys.index({ workflow: 'thumbnails' }), r.workflowRun!)).not.toBeNull();
    }
  });

  it('runs now, and shows its queue as the workflow’s', async () => {
    const name = uniqueName('wf-now');
    await createSchedule({
      name,
      workflow: 'fetch-parse-store',
      args: { url: 'https://example.com/now' },
      trigger: { type: 'cron', expression: '0 0 1 1 *', tz: 'UTC' },
    });
    const job = await runScheduleNow(name);
    const [recorded] = await waitFor(
      'the run-now recorded',
      () => readRuns(redis, name, 5),
      (runs) => runs.some((r) => r.jobId === job.id && r.state !== 'active'),
    );
    expect(recorded).toMatchObject({ kind: 'manual', state: 'completed' });
    const run = await readRun(redis, recorded!.workflowRun!);
    expect(run).toMatchObject({ workflow: 'fetch-parse-store', args: { url: 'https://example.com/now' } });
    const detail = await getScheduleDetail(name);
    expect(detail.queue).toBe(registry.workflow!('fetch-parse-store')!.queue);
    await deleteSchedule(name);
  });

  it('bad input is a 400 naming the field, and nothing is saved', async () => {
    const name = uniqueName('wf-bad');
    await expect400(createSchedule({ name, workflow: 'no-such-workflow', trigger: everySecond }), 'workflow');
    await expect400(createSchedule({ name, workflow: 'thumbnails', args: { images: 0 }, trigger: everySecond }), 'args.images');
    await expect400(createSchedule({ name, workflow: 'thumbnails', args: { images: 'many' }, trigger: everySecond }), 'args.images');
    await expect400(createSchedule({ name, task: 'hello', workflow: 'thumbnails', trigger: everySecond }), 'workflow');
    await expect400(createSchedule({ name, trigger: everySecond }), 'task');
    await expect400(createSchedule({ name, workflow: 'thumbnails', queue: 'elsewhere', trigger: everySecond }), 'queue');
    expect(await readDefinition(redis, name)).toBeUndefined();
  });

  it('code schedules (defineSchedule) may target a workflow, checked against its schema', async () => {
    const good = defineSchedule({ name: uniqueName('code-wf'), workflow: 'thumbnails', args: thumbnailsArgs, every: 1, unit: 'hours' });
    expect(() => validateCodeSchedules([good], registry)).not.toThrow();
    const unknown = defineSchedule({ name: 'code-unknown', workflow: 'nope', every: 1, unit: 'hours' });
    expect(() => validateCodeSchedules([unknown], registry)).toThrow(/no workflow "nope"/);
    const badArgs = defineSchedule({ name: 'code-bad', workflow: 'thumbnails', args: { images: -1 }, every: 1, unit: 'hours' });
    expect(() => validateCodeSchedules([badArgs], registry)).toThrow(/args\.images/);
    await syncCodeSchedules(redis, [good], createLogger('test', 'error'));
    expect(await readDefinition(redis, good.name)).toMatchObject({ workflow: 'thumbnails', source: 'code' });
  });
});
