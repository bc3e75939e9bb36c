import { Queue } from 'bullmq';
import type { ChaosRig, RunLog } from './rig';
import { createClient } from '../lib/client/create-client';
import { UnavailableError } from '../lib/errors';
import { registry } from './chaos-tasks';
import { createSchedule } from '../lib/scheduler/schedule-service';
import { getScheduleDetail } from '../lib/data/schedule-dto';
import { readRuns } from '../lib/scheduler/schedule-store';
import { getRedis } from '../lib/redis';
import { percentile } from '../bench/support';

/** How big a run is: the full suite (`npm run chaos`) or the short one inside `npm test`. */
export interface ChaosSize {
  short: boolean;
  /** Seconds of load per scenario. */
  seconds: number;
  workers: number;
  concurrency: number;
  /** Jobs enqueued per second. */
  rate: number;
  /** Kills (or Redis restarts) per scenario. */
  faults: number;
}

export const FULL: ChaosSize = { short: false, seconds: 40, workers: 3, concurrency: 20, rate: 150, faults: 4 };
export const SHORT: ChaosSize = { short: true, seconds: 4, workers: 2, concurrency: 10, rate: 40, faults: 1 };

/** Issue 19's target: a kill -9ed worker's jobs run again within this long of the kill. */
export const RECOVERY_TARGET_MS = 15_000;

export interface ChaosResult {
  scenario: string;
  acknowledged: number;
  completed: number;
  lost: number;
  /** Jobs whose handler started more than once. */
  duplicates: number;
  /** Jobs whose handler ran to its end more than once. */
  completedTwice: number;
  /** Per kill: from the kill to the last of the killed worker's running jobs starting again elsewhere. */
  recoveryMs: number[];
  /** Jobs of killed workers that never started again. */
  unrecovered: number;
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` worker processes, started side by side. */
async function startWorkers(rig: ChaosRig, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => rig.startWorker()));
}

/** The worker running the most handlers now; waits (up to `maxWaitMs`) for one that runs any, so the kill lands mid-run. */
async function busiestWorker(rig: ChaosRig, maxWaitMs = 3000) {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const now = Date.now();
    const ranked = [...rig.workers].map((w) => ({ w, open: rig.log.openOn(w.pid, now).length })).sort((a, b) => b.open - a.open);
    if (ranked[0]!.open > 0 || Date.now() > deadline) return ranked[0]!.w;
    await sleep(20);
  }
}
const JOB_MS = 200;

/** Handler starts and ends counted per job. */
function duplicates(log: RunLog): { duplicates: number; completedTwice: number } {
  let dup = 0;
  let twice = 0;
  for (const starts of log.starts.values()) if (starts.length > 1) dup++;
  for (const ends of log.ends.values()) if (ends.length > 1) twice++;
  return { duplicates: dup, completedTwice: twice };
}

/** Enqueue `rate` jobs a second for `seconds`, each with its own idempotency key; resolves with the acknowledged ids. */
async function produce(add: (i: number) => Promise<string | undefined>, size: ChaosSize, seconds = size.seconds): Promise<Set<string>> {
  const acked = new Set<string>();
  const total = size.rate * seconds;
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / size.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    pending.push(add(i).then((id) => void (id && acked.add(id))));
  }
  await Promise.all(pending);
  return acked;
}

/** Wait until every acknowledged job is completed (or `timeoutMs` passes); returns how many are, and the states of the rest. */
async function completedOf(queue: Queue, acked: Set<string>, timeoutMs: number, notes?: string[]): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await queue.getJobCountByTypes('completed');
    if (done >= acked.size || Date.now() > deadline) {
      const ids = [...acked];
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      const rest = ids.map((id, i) => `${id}: ${states[i]}`).filter((_, i) => states[i] !== 'completed');
      if (rest.length && notes) notes.push(`not completed after the wait: ${rest.slice(0, 10).join(', ')}`);
      return states.filter((s) => s === 'completed').length;
    }
    await sleep(250);
  }
}

/** A worker killed: its pid, when, and the jobs it was running then. */
type Kill = { pid: number; at: number; open: string[] };

/** For each kill: when every job the killed worker was running started again on another worker. */
function recoveries(log: RunLog, kills: Kill[]): { ms: number[]; unrecovered: number } {
  const ms: number[] = [];
  let unrecovered = 0;
  for (const k of kills) {
    let last = 0;
    for (const jobId of k.open) {
      const again = (log.starts.get(jobId) ?? []).find((s) => s.pid !== k.pid && s.at >= k.at);
      if (again) last = Math.max(last, again.at - k.at);
      else unrecovered++;
    }
    if (k.open.length) ms.push(last);
  }
  return { ms, unrecovered };
}

/** `size.faults` faults spread evenly over `seconds`, the first a share after the start, the last a share before the end. */
async function spreadFaults(size: ChaosSize, seconds: number, fault: () => Promise<void>): Promise<void> {
  for (let k = 0; k < size.faults; k++) {
    await sleep((seconds * 1000) / (size.faults + 1));
    await fault();
  }
}

/** kill -9 of the busiest worker, a new worker started in its place; what it was running at the kill. */
async function killBusiest(rig: ChaosRig): Promise<Kill> {
  const victim = await busiestWorker(rig);
  const at = await victim.kill9();
  const kill = { pid: victim.pid, at, open: rig.log.openOn(victim.pid, at) };
  await rig.startWorker();
  return kill;
}

/** The result of a scenario under load: every acknowledged job should complete; by default no kill to recover from. */
function loadResult(
  rig: ChaosRig,
  scenario: string,
  acked: Set<string>,
  completed: number,
  rest: Pick<ChaosResult, 'notes'> & Partial<Pick<ChaosResult, 'recoveryMs' | 'unrecovered'>>,
): ChaosResult {
  return { scenario, acknowledged: acked.size, completed, lost: acked.size - completed, ...duplicates(rig.log), recoveryMs: [], unrecovered: 0, ...rest };
}

/** kill -9 of a worker every few seconds under a steady load; a new worker replaces each. */
export async function killDuringLoad(rig: ChaosRig, queue: Queue, size: ChaosSize): Promise<ChaosResult> {
  await startWorkers(rig, size.workers);
  const kills: Kill[] = [];
  const killer = spreadFaults(size, size.seconds, async () => void kills.push(await killBusiest(rig)));
  const acked = await produce((i) => queue.add('chaos.work', { ms: JOB_MS }, { jobId: `k${i}` }).then((j) => j.id), size);
  await killer;
  const completed = await completedOf(queue, acked, size.short ? 30_000 : 90_000);
  const rec = recoveries(rig.log, kills);
  return loadResult(rig, 'kill -9 during load', acked, completed, {
    recoveryMs: rec.ms,
    unrecovered: rec.unrecovered,
    notes: [
      `${kills.length} kills of ${size.workers} workers (concurrency ${size.concurrency}), ${kills.reduce((n, k) => n + k.open.length, 0)} handlers running at the kills`,
    ],
  });
}

/** Redis stopped and started again under a producer that retries with the same idempotency key. */
export async function redisRestarts(rig: ChaosRig, queue: Queue, size: ChaosSize): Promise<ChaosResult> {
  const client = createClient(registry);
  await startWorkers(rig, size.workers);
  let unavailable = 0;
  let other = 0;
  const enqueue = async (i: number): Promise<string | undefined> => {
    for (;;) {
      try {
        return (await client.enqueue('chaos.work', { ms: JOB_MS }, { idempotencyKey: `r${i}` })).id;
      } catch (err) {
        if (err instanceof UnavailableError) unavailable++;
        else other++;
        await sleep(200);
      }
    }
  };
  const restarter = spreadFaults(size, size.seconds, () => rig.restartRedis(1000));
  const acked = await produce(enqueue, size);
  await restarter;
  const waitNotes: string[] = [];
  const completed = await completedOf(queue, acked, size.short ? 30_000 : 90_000, waitNotes);
  const jobs = (await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized')) as Record<string, number>;
  const total = Object.values(jobs).reduce((a, b) => a + b, 0);
  await client.close();
  return loadResult(rig, 'Redis restarts under a producer', acked, completed, {
    notes: [
      `${size.faults} restarts (1 s down each), ${unavailable} enqueue calls failed with UnavailableError and were retried with their key, ${other} other errors`,
      `${total} jobs in Redis for ${acked.size} keys (${total - acked.size} extra)`,
      `${[...rig.log.aborts.values()].flat().length} handlers aborted by the lock fence ("lock lost")`,
      ...waitNotes,
    ],
  });
}

/** SIGTERM of a worker while it runs jobs: it finishes them, exits 0, nothing runs twice. */
export async function sigtermDrain(rig: ChaosRig, queue: Queue, size: ChaosSize): Promise<ChaosResult> {
  await startWorkers(rig, size.workers);
  const stopper = (async () => {
    await sleep((size.seconds * 1000) / 2);
    const victim = [...rig.workers][0]!;
    const at = Date.now();
    const open = rig.log.openOn(victim.pid, at);
    const { code, ms } = await victim.sigterm();
    const finishedHere = open.filter((id) => (rig.log.ends.get(id) ?? []).some((e) => e.pid === victim.pid)).length;
    return `exit code ${code} after ${ms} ms; ${finishedHere} of the ${open.length} handlers running at SIGTERM finished on it`;
  })();
  const acked = await produce((i) => queue.add('chaos.work', { ms: JOB_MS }, { jobId: `t${i}` }).then((j) => j.id), size);
  const note = await stopper;
  const completed = await completedOf(queue, acked, 30_000);
  return loadResult(rig, 'SIGTERM drain', acked, completed, { notes: [note] });
}

export interface SlotReport {
  expected: number;
  ran: number;
  missed: number;
  /** Slots neither run nor reported missed. */
  dropped: number;
  /** Slots whose handler ran to its end twice. */
  ranTwice: number;
  /** Slots run at once by two workers that were both alive. */
  concurrent: number;
}

/** An every-second schedule of a 400 ms task while workers are killed: every slot runs once or is reported missed. */
export async function scheduleChurn(rig: ChaosRig, _queue: Queue, size: ChaosSize): Promise<ChaosResult & { slots: SlotReport }> {
  await startWorkers(rig, size.workers);
  const name = 'chaos-every-second';
  const createdAt = Date.now();
  await createSchedule({ name, task: 'chaos.work', args: { ms: 400 }, trigger: { type: 'interval', every: 1, unit: 'seconds' } });
  const kills: Kill[] = [];
  await spreadFaults(size, size.short ? 6 : size.seconds, async () => void kills.push(await killBusiest(rig)));
  await sleep(1000);
  const endedAt = Date.now();
  // Missed slots are reported once they are 5 s old (MISSED_GRACE_MS); recoveries take a few seconds more.
  await sleep(size.short ? 8_000 : 15_000);
  const detail = await getScheduleDetail(name);
  const slotOf = (jobId: string) => Number(/:(\d+)$/.exec(jobId)?.[1]);
  const slotJobs = [...rig.log.starts.keys()].filter((id) => id.startsWith('repeat:'));
  const ranSlots = new Set(
    slotJobs
      .filter((id) => (rig.log.ends.get(id) ?? []).length > 0)
      .map(slotOf)
      .filter((s) => s <= endedAt - 1000),
  );
  // Reported missed: the console's list (computed from its last 50 runs), and every slot whose late re-run was recorded skipped.
  const skipped = (await readRuns(getRedis(), name)).filter((r) => r.state === 'skipped' && r.slot !== null).map((r) => r.slot!);
  const missed = new Set([...detail.missed, ...skipped].filter((s) => s >= createdAt && s <= endedAt));
  const first = Math.min(...ranSlots, ...missed);
  const expected = Math.floor((endedAt - 1000 - first) / 1000) + 1;
  let dropped = 0;
  for (let s = first; s <= endedAt - 1000; s += 1000) if (!ranSlots.has(s) && !missed.has(s)) dropped++;
  const killedPids = new Set(kills.map((k) => k.pid));
  let concurrent = 0;
  for (const id of slotJobs) {
    const runs = (rig.log.starts.get(id) ?? []).filter((s) => !killedPids.has(s.pid));
    if (new Set(runs.map((r) => r.pid)).size > 1) concurrent++;
  }
  const ranTwice = slotJobs.filter((id) => (rig.log.ends.get(id) ?? []).length > 1).length;
  const slots: SlotReport = { expected, ran: ranSlots.size, missed: missed.size, dropped, ranTwice, concurrent };
  return {
    scenario: 'schedule churn (every 1 s, 400 ms task)',
    acknowledged: expected,
    completed: ranSlots.size,
    lost: dropped,
    ...duplicates(rig.log),
    // A killed slot's run is given back like any job; whether it runs again is the schedule's catch-up setting.
    recoveryMs: [],
    unrecovered: 0,
    notes: [
      `${kills.length} kills (${kills.reduce((n, k) => n + k.open.length, 0)} slot runs killed); slots: ${expected} due, ${ranSlots.size} ran, ${missed.size} reported missed (catch-up off), ${dropped} neither, ${ranTwice} ran twice, ${concurrent} run by two live workers`,
    ],
    slots,
  };
}

export function recoverySummary(ms: number[]): string {
  return ms.length ? `p50 ${(percentile(ms, 50) / 1000).toFixed(1)} s, max ${(Math.max(...ms) / 1000).toFixed(1)} s (${ms.length} kills)` : '—';
}
