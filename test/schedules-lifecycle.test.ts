import { beforeAll, describe, expect, it } from 'vitest';
import { createSchedule, deleteSchedule, patchSchedule, requireSchedule, runScheduleNow } from '@/lib/scheduler/schedule-service';
import { readRuns, type RunRecord } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { oneOffJobId } from '@/lib/scheduler/trigger-to-repeat';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { registry } from '@/worker/tasks';
import { onScheduleGrid, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/** Enable/disable, one-offs and "run now", through the service functions the API calls, with a real worker. */
const stack = queueStack();
const { redis } = stack;
const queue = stack.observe();

beforeAll(async () => {
  await stack.worker(registry);
});

const completed = (runs: RunRecord[]) => runs.filter((r) => r.state === 'completed');
/** Jobs of one scheduler that have not run yet (its pending next slot). */
async function pendingJobs(id: string): Promise<string[]> {
  const jobs = await queue.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1);
  return jobs.map((j) => j.id!).filter((jid) => jid.startsWith(`repeat:${id}:`));
}

describe('enable / disable', () => {
  it('disabling removes the BullMQ scheduler and keeps the definition; enabling restores it and runs resume', async () => {
    const name = uniqueName('toggle');
    const id = schedulerId(name);
    await createSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    await waitFor(
      'a first run',
      () => readRuns(redis, name),
      (r) => completed(r).length >= 1,
    );

    const off = await patchSchedule(name, { enabled: false });
    expect(off.enabled).toBe(false);
    const disabledAt = Date.now();
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect(await pendingJobs(id)).toEqual([]);
    const stored = await requireSchedule(name);
    expect(stored).toMatchObject({ enabled: false, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    const paused = await getScheduleDetail(name);
    expect(paused.status).toBe('paused');
    expect(paused.upcoming).toEqual([]);
    expect(paused.missed).toEqual([]);

    // Nothing runs while disabled: no job exists that could (checked above), and a run that was already
    // taken finishes within a slot; after that the history stops growing.
    const runsAtDisable = await waitFor(
      'runs taken before the disable to finish',
      () => readRuns(redis, name),
      (r) => r.every((x) => x.state !== 'active'),
    );
    const lastSlotBeforeDisable = Math.max(...runsAtDisable.map((r) => r.slot!));
    expect(lastSlotBeforeDisable).toBeLessThanOrEqual(disabledAt);

    const enabling = Date.now();
    const on = await patchSchedule(name, { enabled: true });
    expect(on.enabled).toBe(true);
    const enabledAt = Date.now();
    const scheduler = await queue.getJobScheduler(id);
    expect(scheduler?.every).toBe(1000);
    // Back on the same grid, from the first slot after the re-enable (nothing owed for the pause).
    expect(scheduler?.next).toBeGreaterThan(enabling);
    expect(onScheduleGrid(name, 1000)(scheduler!.next!)).toBe(true);
    expect(await pendingJobs(id)).toEqual([`repeat:${id}:${scheduler?.next}`]);
    expect((await getScheduleDetail(name)).status).toBe('active');

    const runs = await waitFor(
      'a run after enabling',
      () => readRuns(redis, name),
      (r) => completed(r).some((x) => x.slot! > enabledAt),
      5_000,
    );
    // No run for the slots while it was disabled (they are not back-filled either).
    const slots = runs.map((r) => r.slot!);
    expect(slots.filter((s) => s > lastSlotBeforeDisable && s <= enabling)).toEqual([]);
    expect(slots.every(onScheduleGrid(name, 1000))).toBe(true);

    await deleteSchedule(name);
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect(await pendingJobs(id)).toEqual([]);
  });
});

describe('one-off', () => {
  it('runs once at its time, then is done', async () => {
    const name = uniqueName('once');
    // A wall time in UTC two seconds ahead, whole seconds (the form sends YYYY-MM-DDTHH:MM[:SS]).
    const at = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    await createSchedule({ name, task: 'add', args: { a: 2, b: 3 }, trigger: { type: 'once', at: new Date(at).toISOString().slice(0, 19), tz: 'UTC' } });
    const jobId = oneOffJobId(name, at);
    expect(await queue.getJobState(jobId)).toBe('delayed');
    const before = await getScheduleDetail(name);
    expect(before.status).toBe('active');
    expect(before.nextRun).toBe(at);

    const detail = await waitFor(
      'the one-off to be done',
      () => getScheduleDetail(name),
      (d) => d.status === 'done',
      10_000,
    );
    expect(detail.runs).toHaveLength(1);
    expect(detail.runs[0]).toMatchObject({ jobId, kind: 'once', slot: at, state: 'completed' });
    expect(detail.runs[0]!.startedAt).toBeGreaterThanOrEqual(at);
    expect(detail.runCount).toBe(1);
    expect(detail.nextRun).toBeNull();
    expect(detail.upcoming).toEqual([]);
    expect((await queue.getJob(jobId))?.returnvalue).toBe(5);

    // Re-applying (a worker restart reconciles) does not run it again.
    const again = await stack.worker(registry, { concurrency: 1 });
    await again.stop();
    expect(await queue.getJobState(jobId)).toBe('completed');
    expect((await getScheduleDetail(name)).runs).toHaveLength(1);
  });
});

describe('run now', () => {
  it('adds a job attributed to the schedule: it shows in the history as a manual run', async () => {
    const name = uniqueName('manual');
    // Once a year: no scheduled run will come in the way of the manual one.
    await createSchedule({ name, task: 'add', args: { a: 20, b: 22 }, trigger: { type: 'cron', expression: '0 0 1 1 *', tz: 'UTC' } });
    const nextBefore = (await queue.getJobScheduler(schedulerId(name)))?.next;

    const job = await runScheduleNow(name);
    expect(job.queue).toBe('default');
    expect(job.id).toMatch(/^schedule-run-/);
    const runs = await waitFor(
      'the manual run to complete',
      () => readRuns(redis, name),
      (r) => r.some((x) => x.jobId === job.id && x.state === 'completed'),
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ jobId: job.id, queue: 'default', kind: 'manual', slot: null, state: 'completed', error: null });
    expect((await queue.getJob(job.id))?.returnvalue).toBe(42);
    const detail = await getScheduleDetail(name);
    expect(detail.lastRun?.jobId).toBe(job.id);
    expect(detail.runCount).toBe(1);
    // The schedule itself is untouched.
    expect((await queue.getJobScheduler(schedulerId(name)))?.next).toBe(nextBefore);
    await deleteSchedule(name);
  });
});
