import type { Job } from 'bullmq';
import type { RedisConnection } from '../redis';
import { displayQueueName } from '../queue/queue-names';
import { scheduleOfJob, type RunKind } from './schedule-jobs';
import { readDefinition, recordRun, writeState } from './schedule-store';
import { nextRuns } from './next-runs';
import { scheduledRunId } from '../workflows/scheduled-run-id';

/**
 * The worker's side of schedules: it records each run of a schedule (start,
 * end, state) so the console can show history and counters, and it decides
 * whether a late run of a missed slot runs at all.
 */

export interface ScheduledRun {
  name: string;
  kind: RunKind;
  slot: number | null;
  startedAt: number;
  /** A late run standing for missed slots, run because the schedule catches up. */
  catchUp: boolean;
}

/** How far past the following slot a run must be to count as the late run of missed slots. */
const LATE_TOLERANCE_MS = 1_000;

/**
 * Called before a job runs. Returns undefined for jobs that are not a
 * schedule's; for a schedule's run, records it as active, or as skipped when it
 * is the late run of missed slots and the schedule does not catch up (BullMQ
 * would otherwise run it: a back-fill the user did not ask for).
 */
export async function beginScheduledRun(redis: RedisConnection, job: Job, now = Date.now()): Promise<(ScheduledRun & { skip: boolean }) | undefined> {
  const of = scheduleOfJob(job);
  if (!of) return undefined;
  let late = false;
  let catchUp = false;
  // Late means past the following slot (+ tolerance), so at least the tolerance past its own:
  // a run on time, the usual case, needs no read of the definition.
  if (of.kind === 'scheduled' && of.slot !== null && now - of.slot > LATE_TOLERANCE_MS) {
    const def = await readDefinition(redis, of.name);
    if (def && def.trigger.type !== 'once') {
      const following = nextRuns(def.trigger, { schedule: def.name, from: new Date(of.slot + 1), count: 1 })[0]?.getTime();
      late = following !== undefined && now > following + LATE_TOLERANCE_MS;
      catchUp = late && def.catchUp;
    }
  }
  const run: ScheduledRun = { ...of, startedAt: now, catchUp };
  const skip = late && !catchUp;
  await recordRun(redis, of.name, {
    jobId: job.id!,
    queue: displayQueueName(job.queueName),
    kind: of.kind,
    slot: of.slot,
    state: skip ? 'skipped' : 'active',
    startedAt: now,
    finishedAt: skip ? now : null,
    error: skip ? 'Missed slot: not run (catch-up is off)' : null,
    ...workflowRunOf(job),
  });
  return { ...run, skip };
}

/** Called when a schedule's run ends. `final` is false for a failed attempt that will be retried. */
export async function endScheduledRun(
  redis: RedisConnection,
  job: Job,
  run: ScheduledRun,
  outcome: { state: 'completed' | 'failed'; error?: string; final: boolean },
): Promise<void> {
  const now = Date.now();
  await recordRun(
    redis,
    run.name,
    {
      jobId: job.id!,
      queue: displayQueueName(job.queueName),
      kind: run.kind,
      slot: run.slot,
      state: outcome.state,
      startedAt: run.startedAt,
      finishedAt: now,
      error: outcome.error ?? null,
      ...workflowRunOf(job),
    },
    { run: outcome.final, failure: outcome.final && outcome.state === 'failed', scheduled: outcome.final && run.kind === 'scheduled' },
  );
  if (run.kind === 'once' && outcome.final) await writeState(redis, run.name, { doneAt: now });
}

/** A schedule that targets a workflow: its run records name the workflow run each start job made. */
function workflowRunOf(job: Job): { workflowRun?: string } {
  const id = scheduledRunId(job);
  return id ? { workflowRun: id } : {};
}
