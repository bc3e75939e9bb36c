import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { bullKey } from '@/lib/keys';
import { bullQueueName } from '@/lib/queue/queue-names';
import { createRedis } from '@/lib/redis';
import type { Logger } from '@/lib/logger';
import { createSchedule, deleteSchedule } from '@/lib/scheduler/schedule-service';
import { readRuns, type RunRecord } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { registry } from '@/worker/tasks';
import { onScheduleGrid, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The watchdog restores a schedule whose next job is gone. BullMQ creates a
 * scheduler's next job when a worker takes the current one; when that job is
 * lost (removed by hand, or never created because the worker crashed or its
 * Redis call failed in between), nothing else would ever create it again.
 */
const stack = queueStack();
const { prefix, redis } = stack;
const queue = stack.observe();
const PERIOD = 1000;
// The pass interval of this test's worker. "Within two periods" needs passes at most a period apart:
// overdue is noticed one period after the lost slot, and the next pass may be up to this much later.
const WATCHDOG_MS = 500;
// Slack for a loaded 2-core machine (test files run in parallel).
const MARGIN = 400;

const warnings: { msg: string; extra?: Record<string, unknown> }[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (msg, extra) => warnings.push({ msg, extra }),
  error: () => {},
};
let name: string | undefined;

beforeAll(async () => {
  await stack.worker(registry, { logger, watchdogMs: WATCHDOG_MS });
});

afterEach(async () => {
  if (name) await deleteSchedule(name);
  name = undefined;
});

const completedSlots = (runs: RunRecord[]) => runs.filter((r) => r.state === 'completed').map((r) => r.slot!);

/**
 * Delete a delayed job from Redis behind BullMQ's back (a bad script, a manual DEL, a crash):
 * BullMQ 6.7 refuses `job.remove()` for the job of a scheduler, so this is what losing it looks like.
 */
async function loseJob(jobId: string): Promise<void> {
  expect(await queue.getJobState(jobId)).toBe('delayed');
  const [[, removed]] = (await redis.multi().zrem(bullKey('default', 'delayed'), jobId).del(bullKey('default', jobId)).exec()) as [[null, number]];
  expect(removed).toBe(1);
}

/** BullMQ's pending next slot of a scheduler, once its job exists. */
async function pendingNext(id: string): Promise<number> {
  const s = await waitFor(
    'the scheduler to have a pending next job',
    async () => {
      const sched = await queue.getJobScheduler(id);
      return { next: sched?.next ?? 0, state: sched?.next ? await queue.getJobState(`repeat:${id}:${sched.next}`) : 'none' };
    },
    (v) => v.state === 'delayed' || v.state === 'waiting',
  );
  return s.next;
}

/**
 * Wait until the watchdog has put the schedule back: BullMQ's `next` is a later
 * slot than the lost one and its job exists. Returns when that was first seen.
 */
async function restoredAfter(id: string, lost: number): Promise<{ at: number; next: number }> {
  const v = await waitFor(
    'the watchdog to restore the scheduler',
    async () => {
      const sched = await queue.getJobScheduler(id);
      const next = sched?.next ?? 0;
      const exists = next > lost && (await queue.getJobState(`repeat:${id}:${next}`)) !== 'unknown';
      return { at: Date.now(), next, exists };
    },
    (v) => v.exists,
    lost - Date.now() + 10_000,
  );
  return { at: v.at, next: v.next };
}

describe('watchdog', () => {
  it('restores an every-1 s schedule whose next job was removed, within two periods of the lost slot; runs resume', async () => {
    name = uniqueName('wd-removed');
    const id = schedulerId(name);
    await createSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    await waitFor(
      'a first run',
      () => readRuns(redis, name!),
      (r) => completedSlots(r).length >= 1,
    );

    // Lose the pending job.
    const lost = await pendingNext(id);
    expect(lost).toBeGreaterThan(Date.now());
    await loseJob(`repeat:${id}:${lost}`);
    expect(await queue.getJobState(`repeat:${id}:${lost}`)).toBe('unknown');
    // BullMQ alone does not notice: the scheduler still points at the removed slot.
    expect((await queue.getJobScheduler(id))?.next).toBe(lost);

    const restored = await restoredAfter(id, lost);
    expect(restored.at - lost).toBeLessThanOrEqual(2 * PERIOD + MARGIN);
    expect(onScheduleGrid(name, PERIOD)(restored.next)).toBe(true); // still on the schedule's grid
    // The worker logs the restore once the pass is over (just after the restore itself).
    await waitFor(
      'the watchdog to report it',
      () => warnings.some((w) => /watchdog restored/.test(w.msg) && (w.extra?.names as string[]).includes(name!)),
      Boolean,
      2_000,
    );

    // Runs resume: the restored slot completes; the lost one never ran.
    const runs = await waitFor(
      'a run after the lost slot',
      () => readRuns(redis, name!),
      (r) => completedSlots(r).some((s) => s > lost),
      restored.next - Date.now() + 5_000,
    );
    const after = completedSlots(runs).filter((s) => s > lost);
    expect(Math.min(...after)).toBe(restored.next);
    expect(completedSlots(runs)).not.toContain(lost);
    // The restored slot was not taken late (which would have been recorded as a skipped missed slot).
    expect(runs.filter((r) => r.state === 'skipped')).toEqual([]);
  });

  it('restores a schedule whose next job was never created after the current one was taken (worker crash / failed Redis call)', async () => {
    name = uniqueName('wd-not-created');
    const id = schedulerId(name);
    await createSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    await waitFor(
      'a first run',
      () => readRuns(redis, name!),
      (r) => completedSlots(r).length >= 1,
    );

    // The state BullMQ is left in when the worker that took slot `taken` did not create the next job
    // (Worker.nextJobFromJobData only emits 'error' when that call fails, and a crash right after
    // moveToActive does the same): the scheduler's `next` still names the taken job. Built here by
    // undoing what the worker did: drop the next job and put the scheduler's score back.
    const next = await pendingNext(id);
    const taken = next - PERIOD;
    await waitFor(
      'the job that created it to complete',
      () => queue.getJobState(`repeat:${id}:${taken}`),
      (s) => s === 'completed',
    );
    await loseJob(`repeat:${id}:${next}`);
    await redis.zadd(bullKey('default', 'repeat'), 'XX', taken, id);
    expect((await queue.getJobScheduler(id))?.next).toBe(taken);
    expect(await queue.getJobState(`repeat:${id}:${taken}`)).toBe('completed');

    // `taken` is the slot after which nothing was scheduled: the first missing one is `taken + PERIOD`.
    const restored = await restoredAfter(id, taken);
    expect(restored.at - (taken + PERIOD)).toBeLessThanOrEqual(2 * PERIOD + MARGIN);
    const resumed = await waitFor(
      'a run after the restore',
      () => readRuns(redis, name!),
      (r) => completedSlots(r).some((s) => s > taken),
      restored.next - Date.now() + 5_000,
    );
    expect(Math.min(...completedSlots(resumed).filter((s) => s > taken))).toBe(restored.next);
    // The completed job of `taken` did not run again.
    expect(resumed.filter((r) => r.slot === taken)).toHaveLength(1);
  });

  it('restores a schedule whose worker died right after taking its job (the job stays active, no next job)', async () => {
    // A queue no Celerity worker serves: a bare BullMQ worker takes the job by hand, like a process that
    // was killed between BullMQ's moveToActive and the creation of the next job.
    name = uniqueName('wd-crashed');
    const id = schedulerId(name);
    const queueName = uniqueName('crashy');
    const observed = stack.observe(queueName);
    const takerConnection = createRedis('blocking');
    const taker = new Worker(bullQueueName(queueName), null, { connection: takerConnection, prefix });
    try {
      await createSchedule({ name, task: 'hello', queue: queueName, trigger: { type: 'interval', every: 1, unit: 'seconds' } });
      const slot = (await observed.getJobScheduler(id))!.next!;
      const job = await waitFor('the slot to be taken', () => taker.getNextJob('dead-worker', { block: false }), Boolean, slot - Date.now() + 5_000);
      expect(job?.id).toBe(`repeat:${id}:${slot}`);
      // Undo the next job BullMQ created on the take, and point the scheduler back at the taken slot.
      const next = (await observed.getJobScheduler(id))!.next!;
      expect(next).toBe(slot + PERIOD);
      expect(await observed.getJobState(`repeat:${id}:${next}`)).toBe('delayed');
      await redis
        .multi()
        .zrem(bullKey(queueName, 'delayed'), `repeat:${id}:${next}`)
        .del(bullKey(queueName, `repeat:${id}:${next}`))
        .exec();
      await redis.zadd(bullKey(queueName, 'repeat'), 'XX', slot, id);
      expect(await observed.getJobState(`repeat:${id}:${slot}`)).toBe('active');

      const v = await waitFor(
        'the watchdog to restore the scheduler',
        async () => {
          const n = (await observed.getJobScheduler(id))?.next ?? 0;
          return { at: Date.now(), next: n, state: n > slot ? await observed.getJobState(`repeat:${id}:${n}`) : 'none' };
        },
        (x) => x.state === 'delayed' || x.state === 'waiting',
        slot - Date.now() + 10_000,
      );
      // The first slot nothing was scheduled for is slot + PERIOD.
      expect(v.at - (slot + PERIOD)).toBeLessThanOrEqual(2 * PERIOD + MARGIN);
      expect(onScheduleGrid(name, PERIOD)(v.next)).toBe(true);
      // The taken job is left to BullMQ's stalled-job recovery; only the schedule was restored.
      expect(await observed.getJobState(`repeat:${id}:${slot}`)).toBe('active');
    } finally {
      await taker.close(true);
      await takerConnection.quit();
    }
  });

  it('leaves alone the last run of a schedule with a run limit, even while it runs for longer than a period', async () => {
    // After the last allowed run BullMQ creates no next job and keeps the scheduler pointing at that run:
    // not a lost job. Re-applying it would start the limit over and run the task again.
    name = uniqueName('wd-limit');
    const id = schedulerId(name);
    await createSchedule({ name, task: 'sleep', args: { ms: 1500 }, trigger: { type: 'interval', every: 1, unit: 'seconds', limit: 2 } });
    const first = (await queue.getJobScheduler(id))!.next!;
    const last = first + PERIOD;
    // The last run is overdue (by the watchdog's measure) from last + PERIOD while it still runs, until last + 1500.
    await waitFor(
      'the last run to be taken',
      () => queue.getJobState(`repeat:${id}:${last}`),
      (st) => st === 'active',
      last - Date.now() + 5_000,
    );
    expect((await queue.getJobScheduler(id))?.next).toBe(last);
    await waitFor(
      'both runs to complete',
      () => readRuns(redis, name!),
      (r) => completedSlots(r).length === 2,
      10_000,
    );
    // Then two more watchdog passes with the last run completed and overdue.
    await new Promise((r) => setTimeout(r, Math.max(0, last + 1500 + 2 * WATCHDOG_MS + MARGIN - Date.now())));
    const runs = await readRuns(redis, name);
    expect(runs.map((r) => r.slot).sort()).toEqual([first, last]);
    expect((await queue.getJobScheduler(id))?.next).toBe(last);
    expect((await queue.getJobs(['delayed', 'waiting', 'active'], 0, -1)).filter((j) => j.id!.startsWith(`repeat:${id}:`))).toEqual([]);
    expect(warnings.some((w) => (w.extra?.names as string[] | undefined)?.includes(name!))).toBe(false);
  });

  it('leaves alone a schedule whose overdue job is only waiting for a worker', async () => {
    // No worker takes jobs from this queue: the slot passes and its job waits. That is not a lost job,
    // and re-applying would delete it (and with it the one late run a catch-up schedule owes).
    name = uniqueName('wd-waiting');
    const id = schedulerId(name);
    const queueName = uniqueName('nobody-listens');
    const idle = stack.observe(queueName);
    await createSchedule({ name, task: 'hello', queue: queueName, trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    const next = (await idle.getJobScheduler(id))!.next!;
    // The window is the point here: overdue by more than a period, then two more watchdog passes.
    await new Promise((r) => setTimeout(r, next + PERIOD + 2 * WATCHDOG_MS + MARGIN - Date.now()));
    expect((await idle.getJobScheduler(id))?.next).toBe(next);
    expect(await idle.getJobState(`repeat:${id}:${next}`)).toBe('delayed');
    expect(warnings.some((w) => (w.extra?.names as string[] | undefined)?.includes(name!))).toBe(false);
  });
});
