import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidError } from '@/lib/errors';
import { createSchedule, runScheduleNow } from '@/lib/scheduler/schedule-service';
import { readRuns, readState } from '@/lib/scheduler/schedule-store';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { registry } from '@/worker/tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/** Run limits: what counts against them, and a schedule that used them up shows as done. */
const stack = queueStack();
const { redis } = stack;

beforeAll(async () => {
  await stack.worker(registry);
});

describe('run limits', () => {
  it('a "run now" does not use up a run of the limit; a schedule that ran out is done', async () => {
    const name = uniqueName('limited');
    await createSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds', limit: 2 } });
    const manual = await runScheduleNow(name);
    await waitFor(
      'the manual run',
      () => readRuns(redis, name),
      (runs) => runs.some((r) => r.jobId === manual.id && r.state === 'completed'),
    );
    // Both slots of the limit still run after the manual one.
    const state = await waitFor(
      'two scheduled runs',
      () => readState(redis, name),
      (s) => s.scheduledRuns === 2,
    );
    expect(state.runCount).toBe(3);
    const detail = await getScheduleDetail(name);
    expect(detail.status).toBe('done');
    expect(detail.nextRun).toBeNull();
    expect(detail.upcoming).toEqual([]);
    expect(detail.runs.filter((r) => r.kind === 'scheduled' && r.state === 'completed')).toHaveLength(2);
  });
});

describe('validation', () => {
  it('reports the model, task and argument problems in one error', async () => {
    const err = await createSchedule({
      name: uniqueName('bad'),
      task: 'add',
      args: { a: 'x', b: 1 },
      trigger: { type: 'cron', expression: '61 * * * *', tz: 'UTC' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect(Object.keys((err as InvalidError).fields ?? {}).sort()).toEqual(['args.a', 'trigger.expression']);
  });

  it('reserves the name "new" (the create form lives at /schedules/new)', async () => {
    const err = await createSchedule({ name: 'new', task: 'hello', trigger: { type: 'interval', every: 5, unit: 'seconds' } }).catch((e: unknown) => e);
    expect((err as InvalidError).field).toBe('name');
  });
});
