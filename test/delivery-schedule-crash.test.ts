import { describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { createSchedule } from '@/lib/scheduler/schedule-service';
import { schedulerId } from '@/lib/scheduler/schedule-jobs';
import { readRuns } from '@/lib/scheduler/schedule-store';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { runTs, uniqueName, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { DEMO_WORKER_ENTRY } from '../scripts/demo-worker';

/**
 * The schedule crash path (issue 19): a slot whose run is killed mid-way
 * (kill -9 of its worker) is given back by the dead-worker recovery; the
 * worker that takes it runs it again when the schedule catches up, and
 * records it skipped — so the console reports the slot missed — when it does
 * not. Never dropped without a word, and no slot runs twice while workers live.
 * The taking worker starts only once the slot is past its following one, so
 * the re-run is late by construction, not by timing luck.
 */
const stack = queueStack();
const { redis } = stack;

function chaosWorker(): Proc {
  const proc = runTs(DEMO_WORKER_ENTRY, ['worker', '-A', 'chaos/chaos-tasks.ts'], {
    REDIS_URL: env().REDIS_URL!,
    CELERITY_PREFIX: stack.prefix,
    CELERITY_LOG_LEVEL: 'info',
    CELERITY_HEARTBEAT_MS: '1000',
  });
  stack.atTeardown(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

/** Job ids of the schedule's runs a process started (`CHAOS start <jobId> …`). */
function startsOf(proc: Proc, name: string): string[] {
  const prefix = `repeat:${schedulerId(name)}:`;
  return [...proc.output().matchAll(/CHAOS start (\S+) /g)].map((m) => m[1]!).filter((id) => id.startsWith(prefix));
}

/** A 2-second schedule of a 3-second task; its first slot's run is killed with its worker; returns the slot and its job id. */
async function killedSlot(catchUp: boolean): Promise<{ name: string; slot: number; jobId: string }> {
  const a = chaosWorker();
  await a.waitForOutput(/worker ready/);
  const name = uniqueName(catchUp ? 'crash-catch-up' : 'crash-skip');
  await createSchedule({ name, task: 'chaos.work', args: { ms: 3000 }, catchUp, trigger: { type: 'interval', every: 2, unit: 'seconds' } });
  const line = await a.waitForOutput(new RegExp(`CHAOS start repeat:${schedulerId(name)}:\\d+ `));
  const jobId = line.split(' ')[2]!;
  a.child.kill('SIGKILL');
  await a.exited;
  return { name, slot: Number(jobId.split(':').at(-1)), jobId };
}

describe('a schedule slot whose run was killed', () => {
  it('without catch-up: is reported missed (its late re-run skipped), not run again and not dropped', async () => {
    const { name, slot, jobId } = await killedSlot(false);
    // Past the following slot (+2 s) and its tolerance (+1 s): the re-run is the late run of a missed slot.
    await waitFor(
      'the slot to be late',
      () => Date.now(),
      (t) => t > slot + 3500,
    );
    const b = chaosWorker();
    const runs = await waitFor(
      'the killed slot to be recorded skipped',
      () => readRuns(redis, name),
      (rs) => rs.some((r) => r.jobId === jobId && r.state === 'skipped'),
      30_000,
    );
    expect(runs.find((r) => r.jobId === jobId)!.slot).toBe(slot);
    const detail = await waitFor(
      'the slot to be reported missed',
      () => getScheduleDetail(name),
      (d) => d.missed.includes(slot),
      15_000,
    );
    expect(detail.missed).toContain(slot);
    expect(startsOf(b, name)).not.toContain(jobId);
  });

  it('with catch-up: runs again to the end; later slots run once each with two live workers', async () => {
    const { name, slot, jobId } = await killedSlot(true);
    await waitFor(
      'the slot to be late',
      () => Date.now(),
      (t) => t > slot + 3500,
    );
    const b = chaosWorker();
    await b.waitForOutput(new RegExp(`CHAOS end ${jobId} `), 30_000);
    const runs = await waitFor(
      'the killed slot to be recorded completed',
      () => readRuns(redis, name),
      (rs) => rs.some((r) => r.jobId === jobId && r.state === 'completed'),
    );
    expect(runs.filter((r) => r.jobId === jobId)).toHaveLength(1);
    expect((await getScheduleDetail(name)).missed).not.toContain(slot);

    // Two live workers for a few slots: every slot's run starts once, on one of them.
    const c = chaosWorker();
    await c.waitForOutput(/worker ready/);
    const from = Date.now();
    await waitFor(
      'three more slots to run',
      () => readRuns(redis, name),
      (rs) => rs.filter((r) => r.slot! > from && r.state === 'completed').length >= 3,
      20_000,
    );
    const starts = [...startsOf(b, name), ...startsOf(c, name)].filter((id) => id !== jobId);
    expect(new Set(starts).size).toBe(starts.length);
  }, 60_000);
});
