import { describe, expect, it } from 'vitest';
import { createSchedule, patchSchedule } from '@/lib/scheduler/schedule-service';
import { readRuns, readState } from '@/lib/scheduler/schedule-store';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { activations, onScheduleGrid, uniqueName, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { phaseOf } from '@/lib/scheduler/interval-grid';

/**
 * Exactly once per slot with several workers: three demo worker processes (`celerity worker`)
 * share an every-second schedule for 20 seconds while one of them is restarted
 * (SIGTERM, then started again), as a rolling deployment would.
 */
const stack = queueStack();
const { redis } = stack;
const queue = stack.observe();
const WINDOW_MS = 20_000;

/** Start a demo worker process against this file's Redis and prefix; resolve once it is ready. */
async function startWorkerProcess(hostname: string): Promise<Proc> {
  const proc = stack.workerProcess(['--hostname', hostname], { CELERITY_SHUTDOWN_TIMEOUT_MS: '5000' });
  await proc.waitForOutput(/worker ready/, 30_000);
  return proc;
}

async function stopWorkerProcess(proc: Proc): Promise<void> {
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
}

describe('exactly once per slot', () => {
  it('3 worker processes, every 1 s for 20 s, one worker restarted in the middle: one job per slot, none skipped or doubled', async () => {
    const workers = await Promise.all(['w1', 'w2', 'w3'].map(startWorkerProcess));
    await waitFor(
      '3 workers fetching jobs',
      () => queue.getWorkersCount(),
      (n) => n === 3,
    );

    const name = uniqueName('every-second');
    const id = schedulerId(name);
    const createdAt = Date.now();
    await createSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' } });
    // Slots are the name's phase + whole seconds (interval-grid.ts); count them in phase-shifted seconds.
    const phase = phaseOf(name, 1000);
    const secondOf = (t: number) => Math.floor((t - phase) / 1000);
    const firstSlot = (secondOf(createdAt) + 1) * 1000 + phase;
    const completedSlots = async () => (await readRuns(redis, name)).filter((r) => r.state === 'completed').map((r) => r.slot!);

    // Half-way through the window, restart one worker the way a deployment would.
    await waitFor('the middle of the window', completedSlots, (s) => s.some((x) => x >= firstSlot + WINDOW_MS / 2 - 1000), WINDOW_MS);
    await stopWorkerProcess(workers[1]!);
    workers[1] = await startWorkerProcess('w2-restarted');
    await waitFor(
      '3 workers fetching jobs again',
      () => queue.getWorkersCount(),
      (n) => n === 3,
    );

    // Counted from the first slot that ran (firstSlot, or the next one when the create straddled a second),
    // so that the window always holds WINDOW_MS / 1000 slots.
    await waitFor('the end of the window', completedSlots, (s) => s.length > 0 && Math.max(...s) >= Math.min(...s) + WINDOW_MS - 1000, WINDOW_MS);
    const disabling = Date.now();
    await patchSchedule(name, { enabled: false });
    await waitFor(
      'no job of the schedule left to run',
      async () => (await queue.getJobs(['active', 'waiting', 'delayed'], 0, -1)).filter((j) => j.id!.startsWith(`repeat:${id}:`)).length,
      (n) => n === 0,
    );
    await Promise.all(workers.map(stopWorkerProcess));

    // Jobs: one per slot, every slot from the first to the last, on the 1 s grid.
    const jobs = (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => j.id!.startsWith(`repeat:${id}:`));
    expect(jobs.filter((j) => j.failedReason)).toEqual([]);
    const slots = jobs.map((j) => Number(j.id!.slice(`repeat:${id}:`.length))).sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(slots.length);
    const first = slots[0]!;
    const last = slots.at(-1)!;
    expect(slots.every(onScheduleGrid(name, 1000))).toBe(true);
    expect(slots).toEqual(Array.from({ length: (last - first) / 1000 + 1 }, (_, i) => first + i * 1000));
    // The window: slots after the create and up to the disable; ±1 at each edge (a slot on the boundary).
    const expectedCount = secondOf(disabling) - secondOf(createdAt);
    expect(Math.abs(slots.length - expectedCount)).toBeLessThanOrEqual(1);
    // The first grid point after the create (the next one if the create straddled a second).
    expect([firstSlot, firstSlot + 1000]).toContain(first);
    expect(slots.length).toBeGreaterThanOrEqual(WINDOW_MS / 1000);

    // Executed once each: BullMQ ids are unique per slot, so a second execution would show only as a
    // second 'active' event for the same id.
    const active = await activations(redis, 'default');
    expect(slots.filter((s) => active.get(`repeat:${id}:${s}`) !== 1)).toEqual([]);

    // The schedule's history agrees: one record per slot, all completed on time (none skipped as late).
    const runs = (await readRuns(redis, name)).sort((a, b) => a.slot! - b.slot!);
    expect(runs.map((r) => r.slot)).toEqual(slots);
    expect(runs.filter((r) => r.kind !== 'scheduled' || r.state !== 'completed')).toEqual([]);
    expect((await readState(redis, name)).runCount).toBe(slots.length);
    // BullMQ's own count of starts agrees (a stalled job taken again would show 2).
    expect(jobs.filter((j) => j.attemptsStarted !== 1).map((j) => j.id)).toEqual([]);
    // No run started before its slot.
    const lateness = runs.map((r) => r.startedAt - r.slot!).sort((a, b) => a - b);
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    console.info(`exactly-once: ${slots.length} slots, lateness p50 ${lateness[Math.floor(lateness.length / 2)]} ms, max ${lateness.at(-1)} ms`);
  }, 90_000);
});
