import { describe, expect, it } from 'vitest';
import { publishCatalogue } from '@/lib/registry/catalogue';
import { createSchedule } from '@/lib/scheduler/schedule-service';
import { readRuns, type RunRecord } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { MISSED_GRACE_MS } from '@/lib/scheduler/missed-slots';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { registry } from '@/worker/tasks';
import { onScheduleGrid, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Slots that pass while no worker runs: BullMQ keeps one overdue job and runs it
 * late when a worker comes; the other slots leave no trace, so the console
 * computes them. The late run is skipped unless the schedule catches up, in
 * which case it runs exactly once for all the missed slots.
 */
const stack = queueStack();
const { redis } = stack;
const queue = stack.observe();

const bySlot = (runs: RunRecord[]) => [...runs].sort((a, b) => a.slot! - b.slot!);

describe('missed slots and catch-up', () => {
  it('with no worker, slots are listed as missed; on start the late run is skipped without catch-up and run once with it', async () => {
    // The catalogue as a worker publishes it, but no worker: nothing takes jobs yet.
    await publishCatalogue(redis, registry.tasks, 'test-publisher');
    const skip = uniqueName('no-catch-up');
    const catchUp = uniqueName('catch-up');
    const created = Date.now();
    await createSchedule({ name: skip, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    await createSchedule({ name: catchUp, task: 'add', args: { a: 1, b: 2 }, catchUp: true, trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    // BullMQ's one pending job per schedule: the first slot, which will be late.
    const firstSkip = (await queue.getJobScheduler(schedulerId(skip)))!.next!;
    const firstCatchUp = (await queue.getJobScheduler(schedulerId(catchUp)))!.next!;
    expect(firstSkip).toBeGreaterThan(created);
    expect(firstSkip).toBeLessThanOrEqual(Date.now() + 1000);

    // A slot counts as missed once it is MISSED_GRACE_MS old and nothing ran it.
    const detail = await waitFor(
      'missed slots to show',
      () => getScheduleDetail(skip),
      (d) => d.missed.length >= 2,
      MISSED_GRACE_MS + 5_000,
    );
    const listedAt = Date.now();
    expect(detail.missed).toContain(firstSkip);
    // Newest first, on the 1 s grid, none younger than the grace period.
    expect(detail.missed).toEqual([...detail.missed].sort((a, b) => b - a));
    expect(detail.missed.every((s) => onScheduleGrid(skip, 1000)(s) && s >= firstSkip && s <= listedAt - MISSED_GRACE_MS)).toBe(true);
    expect(detail.runs).toEqual([]);
    expect((await getScheduleDetail(catchUp)).missed).toContain(firstCatchUp);
    // Still one pending job per schedule: BullMQ did not create one per missed slot.
    const pending = await queue.getJobs(['delayed', 'waiting'], 0, -1);
    expect(pending.map((j) => j.id).sort()).toEqual([`repeat:${schedulerId(skip)}:${firstSkip}`, `repeat:${schedulerId(catchUp)}:${firstCatchUp}`].sort());

    const startedAt = Date.now();
    const worker = await stack.worker(registry);

    // Both schedules go back to running on time: wait for a completed on-time slot after the start.
    const onTime = (r: RunRecord[]) => r.some((x) => x.state === 'completed' && x.slot! > startedAt);
    await waitFor('the no-catch-up schedule to run on time again', () => readRuns(redis, skip), onTime, 5_000);
    await waitFor('the catch-up schedule to run on time again', () => readRuns(redis, catchUp), onTime, 5_000);
    // Stop the worker so that every record is final (no run half-way) while we compare them with the counters.
    await worker.stop();
    const skipRuns = bySlot(await readRuns(redis, skip));
    const catchUpRuns = bySlot(await readRuns(redis, catchUp));

    // Without catch-up: the late run is recorded as skipped (the job completes without running the task).
    expect(skipRuns[0]).toMatchObject({ kind: 'scheduled', slot: firstSkip, state: 'skipped' });
    expect(skipRuns[0]!.startedAt).toBeGreaterThanOrEqual(startedAt);
    expect((await queue.getJob(skipRuns[0]!.jobId))?.returnvalue).toMatchObject({ skipped: expect.stringMatching(/missed slot/) });
    // With catch-up: the late slot runs, once.
    expect(catchUpRuns[0]).toMatchObject({ kind: 'scheduled', slot: firstCatchUp, state: 'completed' });
    expect((await queue.getJob(catchUpRuns[0]!.jobId))?.returnvalue).toBe(3);

    for (const runs of [skipRuns, catchUpRuns]) {
      // Exactly one run stands for the whole outage: after the late slot the next run is a slot after the start.
      expect(runs[1]!.slot).toBeGreaterThan(startedAt);
      expect(runs.slice(1).every((r) => r.state === 'completed')).toBe(true);
      expect(new Set(runs.map((r) => r.slot)).size).toBe(runs.length);
    }
    expect((await getScheduleDetail(skip)).runCount).toBe(skipRuns.length - 1);
    expect((await getScheduleDetail(catchUp)).runCount).toBe(catchUpRuns.length);

    // The skipped slot is still missed; the caught-up one is not.
    expect((await getScheduleDetail(skip)).missed).toContain(firstSkip);
    expect((await getScheduleDetail(catchUp)).missed).not.toContain(firstCatchUp);
  });
});
