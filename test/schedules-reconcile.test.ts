import { describe, expect, it } from 'vitest';
import { celerityKeys } from '@/lib/keys';
import { NotFoundError } from '@/lib/errors';
import { type RunningWorker } from '@/lib/worker/start-worker';
import { createSchedule, listOrphans, patchSchedule, reconcileSchedules, removeOrphan, requireSchedule } from '@/lib/scheduler/schedule-service';
import { readRuns } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { nextRuns } from '@/lib/scheduler/next-runs';
import { listScheduleDtos } from '@/lib/data/schedule-dto';
import { registry } from '@/worker/tasks';
import { activations, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Reconcile brings BullMQ in line with the stored definitions when a worker or
 * the console starts. It must never delete a scheduler it has no definition for
 * (shown as orphan, removed on request), and must not re-upsert unchanged cron
 * schedulers: BullMQ 6.7 can drop the slot that is due at that moment (FACTS.md).
 */
const stack = queueStack();
const { redis } = stack;
const queue = stack.observe();
let workers: RunningWorker[] = [];

/** A worker for the demo tasks, stopped when the test ends if stopAll did not stop it before. */
const startOne = () => stack.worker(registry);

async function stopAll(): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
}

describe('orphan schedulers', () => {
  it('a scheduler without a definition is listed as orphan, kept by reconcile, and removed only on request', async () => {
    workers = [await startOne()];
    const kept = uniqueName('kept');
    const lost = uniqueName('lost-definition');
    await createSchedule({ name: kept, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'hours' } });
    await createSchedule({ name: lost, task: 'add', args: { a: 1, b: 2 }, trigger: { type: 'cron', expression: '0 3 * * *', tz: 'Europe/Paris' } });
    // Only the definition goes (a hand edit, a restore from an old backup…); BullMQ still has the scheduler.
    expect(await redis.hdel(celerityKeys().schedules, lost)).toBe(1);
    // And one written by some other BullMQ producer, in a queue no task uses.
    const foreignQueue = uniqueName('legacy');
    const foreign = stack.queue(foreignQueue);
    await foreign.upsertJobScheduler('nightly-cleanup', { every: 60_000 }, { name: 'cleanup', data: {} });
    const orphans = await listOrphans();
    expect(orphans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ queue: 'default', id: schedulerId(lost), task: 'add', pattern: '0 3 * * *', tz: 'Europe/Paris', everyMs: null }),
        expect.objectContaining({ queue: foreignQueue, id: 'nightly-cleanup', task: 'cleanup', everyMs: 60_000, pattern: null }),
      ]),
    );
    expect(orphans).toHaveLength(2);
    expect(orphans.some((o) => o.id === schedulerId(kept))).toBe(false);
    expect((await listScheduleDtos()).orphans).toHaveLength(2);

    // Reconcile, directly and through a worker restart, does not touch them.
    expect(await reconcileSchedules()).toEqual({ applied: [], unchanged: 1 });
    await stopAll();
    workers = [await startOne()];
    expect((await queue.getJobScheduler(schedulerId(lost)))?.pattern).toBe('0 3 * * *');
    expect((await foreign.getJobScheduler('nightly-cleanup'))?.every).toBe(60_000);
    expect(await listOrphans()).toHaveLength(2);

    // A scheduler that has a definition is not an orphan and cannot be removed as one.
    await expect(removeOrphan('default', schedulerId(kept))).rejects.toBeInstanceOf(NotFoundError);
    expect(await queue.getJobScheduler(schedulerId(kept))).toBeDefined();
    await expect(removeOrphan('default', 'no-such-scheduler')).rejects.toBeInstanceOf(NotFoundError);

    await removeOrphan('default', schedulerId(lost));
    await removeOrphan(foreignQueue, 'nightly-cleanup');
    expect(await queue.getJobScheduler(schedulerId(lost))).toBeUndefined();
    expect(await foreign.getJobScheduler('nightly-cleanup')).toBeUndefined();
    // Their pending jobs went with them.
    expect(await foreign.getDelayedCount()).toBe(0);
    expect((await queue.getJobs(['delayed'], 0, -1)).filter((j) => j.id!.startsWith(`repeat:${schedulerId(lost)}:`))).toEqual([]);
    expect(await listOrphans()).toEqual([]);
    expect(await requireSchedule(kept)).toMatchObject({ name: kept, enabled: true });
  });
});

describe('restarts with unchanged cron schedules', () => {
  it('restarting all workers 10 times, each time while a slot is due, loses no slot and runs none twice', async () => {
    const everySecond = uniqueName('cron-1s');
    const everyTwo = uniqueName('cron-2s');
    const crons = { [everySecond]: '* * * * * *', [everyTwo]: '*/2 * * * * *' };
    const everyMs: Record<string, number> = { [everySecond]: 1_000, [everyTwo]: 2_000 };
    workers = [await startOne(), await startOne()];
    for (const [name, expression] of Object.entries(crons)) {
      await createSchedule({ name, task: 'hello', trigger: { type: 'cron', expression, tz: 'UTC' } });
    }
    await waitFor(
      'both schedules to run',
      async () => Promise.all(Object.keys(crons).map((n) => readRuns(redis, n))),
      (rs) => rs.every((r) => r.some((x) => x.state === 'completed')),
    );

    const id = schedulerId(everySecond);
    // Ten dangerous rounds: all workers stopped while the every-second slot is due and still delayed. A round can
    // find the slot already in `waiting`: the workers' last fetch before they stopped promotes every due job (BullMQ's
    // fetch moves all due delayed jobs at once) and takes one. Reconcile must keep that one too, but it is not the
    // dangerous moment, so it does not count (at most four such rounds, or the test fails).
    let dangerous = 0;
    for (let round = 0; dangerous < 10; round++) {
      expect(round).toBeLessThan(14);
      await stopAll();
      const next = (await queue.getJobScheduler(id))!.next!;
      await waitFor(
        'the next slot to be due',
        () => Date.now(),
        (now) => now > next,
      );
      const dueJob = `repeat:${id}:${next}`;
      const state = await queue.getJobState(dueJob);
      expect(['delayed', 'waiting']).toContain(state);
      if (state === 'delayed') dangerous++;
      // Reconcile (as a console start would) and start both workers (each reconciles at start): nothing is re-upserted.
      expect((await reconcileSchedules()).applied).toEqual([]);
      expect((await queue.getJobScheduler(id))?.next).toBe(next);
      expect(await queue.getJobState(dueJob)).toBe(state);
      workers = await Promise.all([startOne(), startOne()]);
      await waitFor(
        `the due slot of round ${round} to run`,
        () => queue.getJobState(dueJob),
        (s) => s === 'completed',
        5_000,
      );
    }
    // Let each schedule run once more with the workers up, then stop the schedules and let the last jobs finish.
    const lastRestart = Date.now();
    await waitFor(
      'a run of each schedule after the last restart',
      async () => Promise.all(Object.keys(crons).map((n) => readRuns(redis, n))),
      (rs) => rs.every((r) => r.some((x) => x.state === 'completed' && x.slot! > lastRestart)),
      5_000,
    );
    for (const name of Object.keys(crons)) await patchSchedule(name, { enabled: false });
    const ours = new RegExp(`^repeat:(${Object.keys(crons).map(schedulerId).join('|')}):`);
    await waitFor(
      'no job of these schedules left to run',
      async () => (await queue.getJobs(['active', 'waiting', 'delayed'], 0, -1)).filter((j) => ours.test(j.id!)).length,
      (n) => n === 0,
    );

    const active = await activations(redis, 'default');
    for (const [name, expression] of Object.entries(crons)) {
      const sid = schedulerId(name);
      const jobs = (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => j.id!.startsWith(`repeat:${sid}:`));
      expect(jobs.filter((j) => j.failedReason)).toEqual([]);
      const slotOf = (j: (typeof jobs)[number]) => Number(j.id!.slice(j.id!.lastIndexOf(':') + 1));
      const bySlot = new Map(jobs.map((j) => [slotOf(j), j]));
      const slots = [...bySlot.keys()].sort((a, b) => a - b);
      const first = slots[0]!;
      const last = slots.at(-1)!;
      // Every slot the cron defines between the first and the last run, computed by the preview code.
      const trigger = (await requireSchedule(name)).trigger;
      const expected = nextRuns(trigger, { schedule: name, from: new Date(first - 1), count: 1000 })
        .map((d) => d.getTime())
        .filter((t) => t <= last);
      // A slot may be missing only where BullMQ skips one by design: a worker creates the next run when it takes the
      // current one, for the first slot after that moment, so a run taken more than a period late (a starved machine:
      // restarts under heavy load) skips the slot it overran. The run after such a gap was created by the take of the
      // run before it (within a period of its start) and after the missing slot's time. Any other gap is a lost slot.
      const skipped = expected.filter((t) => !bySlot.has(t));
      const unexplained = skipped.filter((gap) => {
        const before = bySlot.get(slots.filter((t) => t < gap).at(-1)!)!;
        const after = bySlot.get(slots.find((t) => t > gap)!)!;
        return !(after.timestamp >= gap && after.timestamp - before.processedOn! < everyMs[name]!);
      });
      expect({ name, expression, unexplained }).toEqual({ name, expression, unexplained: [] });
      expect({ name, expression, slots }).toEqual({ name, expression, slots: expected.filter((t) => bySlot.has(t)) });
      expect(last - first).toBeGreaterThanOrEqual(10_000); // the window spans the 10 restarts
      // Each job was taken once (a duplicate would reuse the id: only the event stream shows it).
      for (const j of jobs) expect({ job: j.id, activations: active.get(j.id!) }).toEqual({ job: j.id, activations: 1 });
      // The history agrees: one record per slot, completed; or skipped where the run began past its following slot
      // plus the recorder's 1 s tolerance (the late run of missed slots, not run without catch-up: the same starved machine).
      const runs = (await readRuns(redis, name)).filter((r) => r.kind === 'scheduled');
      expect(runs.map((r) => r.slot!).sort((a, b) => a - b)).toEqual(slots);
      const notCompleted = runs.filter((r) => r.state !== 'completed' && !(r.state === 'skipped' && r.startedAt > r.slot! + everyMs[name]! + 1_000));
      expect(notCompleted).toEqual([]);
    }
  }, 60_000);
});
