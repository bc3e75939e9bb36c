import { describe, expect, it } from 'vitest';
import { ConflictError } from '@/lib/errors';
import { type RunningWorker } from '@/lib/worker/start-worker';
import { defineSchedule, type CodeSchedule } from '@/lib/scheduler/define-schedule';
import { deleteSchedule, patchSchedule, replaceSchedule, requireSchedule } from '@/lib/scheduler/schedule-service';
import { readRuns } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { registry } from '@/worker/tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Schedules declared in code (`defineSchedule`, like Celery's beat_schedule):
 * stored when a worker starts, paused from the console, and the pause survives
 * the next worker start even when the code changed.
 */
const stack = queueStack();
const { redis } = stack;
const queue = stack.observe();
let worker: RunningWorker | undefined;

/** A worker started the way `celerity worker` starts one, with these code schedules (stopped when the test ends). */
async function start(schedules: CodeSchedule[]): Promise<RunningWorker> {
  worker = await stack.worker(registry, { schedules });
  return worker;
}

describe('schedules defined in code', () => {
  it('are stored with source "code" and run; a pause from the console survives restarts, also when the code changed', async () => {
    const name = uniqueName('code');
    const id = schedulerId(name);
    const v1 = defineSchedule({ name, task: 'add', args: { a: 1, b: 1 }, every: 1, description: 'from code' });

    await start([v1]);
    const stored = await requireSchedule(name);
    expect(stored).toMatchObject({ name, source: 'code', enabled: true, task: 'add', args: { a: 1, b: 1 }, description: 'from code' });
    expect(stored.trigger).toEqual({ type: 'interval', every: 1, unit: 'seconds' });
    expect((await queue.getJobScheduler(id))?.every).toBe(1000);
    await waitFor(
      'a run of the code schedule',
      () => readRuns(redis, name),
      (r) => r.some((x) => x.state === 'completed'),
    );
    expect((await getScheduleDetail(name)).definition.source).toBe('code');

    // The console may pause and resume it, but not edit or delete it.
    await expect(replaceSchedule(name, { task: 'hello', trigger: { type: 'interval', every: 5, unit: 'seconds' } })).rejects.toBeInstanceOf(ConflictError);
    await expect(patchSchedule(name, { description: 'edited' })).rejects.toBeInstanceOf(ConflictError);
    await expect(deleteSchedule(name)).rejects.toBeInstanceOf(ConflictError);
    await patchSchedule(name, { enabled: false });
    expect(await queue.getJobScheduler(id)).toBeUndefined();

    // Restart with the same code: still paused, definition as it was.
    await worker!.stop();
    const paused = await requireSchedule(name);
    await start([v1]);
    expect(await requireSchedule(name)).toEqual(paused);
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect((await getScheduleDetail(name)).status).toBe('paused');

    // Restart with changed code: the definition follows the code, the pause stays.
    await worker!.stop();
    const v2 = defineSchedule({ name, task: 'add', args: { a: 2, b: 40 }, cron: '*/2 * * * * *', tz: 'Europe/Paris', description: 'from code, v2' });
    await start([v2]);
    const updated = await requireSchedule(name);
    expect(updated).toMatchObject({ source: 'code', enabled: false, args: { a: 2, b: 40 }, description: 'from code, v2', createdAt: stored.createdAt });
    expect(updated.trigger).toEqual({ type: 'cron', expression: '*/2 * * * * *', tz: 'Europe/Paris' });
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    const pausedCount = (await readRuns(redis, name)).length;

    // Resumed from the console: it runs with the code's new definition.
    const resumedAt = Date.now();
    await patchSchedule(name, { enabled: true });
    const scheduler = await queue.getJobScheduler(id);
    expect(scheduler).toMatchObject({ pattern: '*/2 * * * * *', tz: 'Europe/Paris' });
    const runs = await waitFor(
      'a run with the new code',
      () => readRuns(redis, name),
      (r) => r.some((x) => x.state === 'completed' && x.slot! > resumedAt),
      5_000,
    );
    expect(runs.length).toBeGreaterThan(pausedCount);
    const newRun = runs.find((x) => x.slot! > resumedAt)!;
    expect(newRun.slot! % 2000).toBe(0);
    expect((await queue.getJob(newRun.jobId))?.returnvalue).toBe(42);

    // And a resume survives a restart too (enabled is the console's, not the code's).
    await worker!.stop();
    await start([v2]);
    expect((await requireSchedule(name)).enabled).toBe(true);
    expect((await queue.getJobScheduler(id))?.next).toBeGreaterThan(resumedAt);
  });
});
