import { DelayedError, UnrecoverableError, WaitingChildrenError, WaitingError, type Job } from 'bullmq';
import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import { beginScheduledRun, endScheduledRun, type ScheduledRun } from '../scheduler/run-recorder';
import { scheduleOfJob } from '../scheduler/schedule-jobs';
import { recordAttempt, type AttemptOutcome } from '../queue/attempt-log';
import type { JobTracker, RunningJob } from './job-tracker';
import type { WorkerStatus } from './worker-status';
import type { BenchOff } from './bench-off';
import { JobContext, raceStop } from './job-context';
import { LOCK_LOST, type LockFence } from './lock-fence';
import { enterThrottle } from '../limits/job-throttle';
import type { LiveOverrides } from '../limits/live-overrides';
import { holdPaused } from '../limits/paused-hold';
import { readOverride } from '../limits/override-store';
import { startDeadline } from './attempt-deadline';
import { runIsolated } from './isolated-run';
import { refuseExpired } from './job-expiry';
import { isRetryable } from '../registry/retry-on';
import { deadLetter } from '../queue/dead-letter';
// wf-core: workflow hooks (lib/workflows/step-hooks.ts).
import { afterStep, beforeStep, isWorkflowJob, runWorkflowJob, stepFailed } from '../workflows/step-hooks';
import { parseStepJobId } from '../workflows/flow-build';

export interface JobProcessorDeps {
  registry: TaskRegistry;
  /** The worker's command connection: schedule runs, attempt records, log events. */
  command: RedisConnection;
  logger: Logger;
  /** Written into each attempt record, so the job page says which worker ran it. */
  workerId: string;
  tracker: JobTracker;
  status: WorkerStatus;
  /** Bench only: features turned off to measure their cost. */
  benchOff?: BenchOff;
  /** Aborts a running handler whose lock this worker can no longer vouch for. */
  fence?: LockFence;
  /** The tasks' live overrides (rate limit, concurrency, pause), kept in memory: no Redis call per job. */
  overrides?: LiveOverrides;
}

/**
 * BullMQ's processor function. It declares no signal parameter on purpose:
 * BullMQ then makes no AbortController per job; cancels go through the job
 * tracker (JobTracker.cancel), which makes a signal only for a handler that reads it.
 */
export type QueueProcessor = (job: Job, token?: string) => Promise<unknown>;

type RunOutcome = Parameters<typeof endScheduledRun>[3];
type Scheduled = ScheduledRun & { skip: boolean };

/** Whether `job` is a schedule's run, whose start and end go into the schedule's history. */
function isScheduleRun(job: Job, off: BenchOff | undefined): boolean {
  return !off?.schedules && scheduleOfJob(job) !== undefined;
}

/** Error text for arguments that fail the task's schema at execution. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(args)'}: ${i.message}`).join('; ');
}

const isThenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as PromiseLike<unknown> | null)?.then === 'function';

/**
 * Runs one job: checks its task and arguments, records a schedule's run and
 * each attempt that does not complete the job (BullMQ's completion records the
 * one that does), gives the handler its context, and turns the handler's end
 * (result, error, cancel, or the shutdown giving up on it) into what BullMQ
 * must record. The per-job path is {@link process}; nothing else runs per job.
 */
export class JobProcessor {
  constructor(private readonly deps: JobProcessorDeps) {}

  /** BullMQ's processor for one queue. */
  forQueue(queue: string): QueueProcessor {
    return (job: Job, token?: string) => this.process(queue, job, token);
  }

  /**
   * Run `job` taken from `queue`; resolves to its result, or rejects with what BullMQ records as a failure or
   * hand-back. Not an async function: a plain task's job (no limit, not a schedule's) goes straight to its
   * handler, without a promise of its own to settle in between. The rest takes {@link prepare}.
   */
  process(queue: string, job: Job, token: string | undefined): Promise<unknown> {
    try {
      if (this.deps.status.state === 'paused') return this.handBackPaused(job, token);
      // wf-core: a workflow's own job (start, group/map fan-out) runs no task handler.
      if (isWorkflowJob(job)) return this.runWorkflowJob(job, token);
      this.deps.tracker.taken(queue, job.id!);
      const task: AnyTask | undefined = this.deps.registry.get(job.name);
      if (!task) throw new UnrecoverableError(`Unknown task "${job.name}": no worker on queue "${queue}" defines it`);
      refuseExpired(job, task);
      const parsed = task.schema.safeParse(job.data ?? {});
      if (!parsed.success) throw new UnrecoverableError(`Invalid arguments: ${describeIssues(parsed.error.issues)}`);
      // A live override (lib/limits/live-overrides.ts, in memory) replaces the code's limits, or pauses the task.
      const live = this.deps.overrides?.get(task.name);
      if (live?.paused) return this.holdPaused(queue, job, token);
      const throttle = live ? live.throttle : task.throttle;
      if (throttle || isScheduleRun(job, this.deps.benchOff)) return this.prepare(queue, job, token, task, parsed.data, throttle);
      return this.runHandler(queue, job, token, task, parsed.data, undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Fetched in the instant of a remote pause (a blocking fetch already under way): hand it back untouched. */
  private async handBackPaused(job: Job, token: string | undefined): Promise<never> {
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** A job with a limit, or a schedule's run: what must be asked or written before its handler may start. */
  private async prepare(queue: string, job: Job, token: string | undefined, task: AnyTask, args: unknown, throttle: AnyTask['throttle']): Promise<unknown> {
    // Rate limit / concurrency (lib/limits/job-throttle.ts): a job over a limit goes back to delayed. No call without one.
    const throttled = throttle && (await enterThrottle(this.deps.command, queue, job, token, throttle, args));
    if (throttled && throttled.held) {
      this.deps.tracker.settled(queue, job.id!);
      throw new DelayedError();
    }
    // A schedule's run is recorded for its history; the late run of missed slots is skipped unless it catches up.
    const scheduled = isScheduleRun(job, this.deps.benchOff)
      ? await beginScheduledRun(this.deps.command, job).catch((err: Error) => this.warnRun(job, err))
      : undefined;
    if (scheduled?.skip) {
      this.deps.logger.info('missed slot skipped (catch-up is off)', { queue, jobId: job.id, schedule: scheduled.name });
      return { skipped: 'missed slot: not run because catch-up is off' };
    }
    const run = this.runHandler(queue, job, token, task, args, scheduled, throttled ? throttled.starting : undefined);
    return throttled ? run.finally(throttled.release) : run;
  }

  private async runHandler(
    queue: string,
    job: Job,
    token: string | undefined,
    task: AnyTask,
    args: unknown,
    scheduled: Scheduled | undefined,
    /** The throttle's hand-over hook (lib/limits/job-throttle.ts): called synchronously before the handler. */
    throttleStarting?: () => void,
  ): Promise<unknown> {
    const { tracker, fence } = this.deps;
    const entry = tracker.started(queue, job.id!, task.name);
    fence?.taken(queue, job.id!, entry.startedAt);
    // Only a task or call with a time limit gets timers and a second signal.
    const deadline = startDeadline(job, task);
    const ctx = new JobContext(job, queue, entry, this.deps.command, deadline?.signal);
    try {
      // wf-core: a workflow step gets its input (ctx.input), and does not run once its run was cancelled.
      const preparing = beforeStep(this.deps.command, job, task, ctx);
      const step = preparing && (await preparing);
      throttleStarting?.();
      const out = task.isolation === 'process' ? runIsolated(task, args, ctx, deadline) : task.handler(args, ctx);
      // A handler that returned its result has nothing left to abort.
      const result = isThenable(out) ? await raceStop(deadline ? deadline.race(out) : out, entry) : out;
      tracker.processed++;
      if (step) await afterStep(this.deps.command, step, result); // wf-core: count it; the last step completes the run
      // The completing attempt needs no write of ours: BullMQ's completion records it (lib/queue/attempt-log.ts).
      // A schedule's run record is written before the job completes, so it is in Redis when the job is.
      if (scheduled) await this.endRun(job, scheduled, { state: 'completed', final: true });
      return result === undefined ? null : result;
    } catch (err) {
      if (entry.stopped?.kind === 'requeue') return this.handBack(queue, job, token, entry);
      if (entry.stopped?.kind === 'lost') return this.abandon(queue, job, token, entry);
      return this.fail(queue, job, entry, scheduled, err, task);
    } finally {
      deadline?.clear();
      tracker.ended(queue, job.id!);
      fence?.released(queue, job.id!);
    }
  }

  /**
   * wf-sched: a workflow's own job; a schedule's start of a workflow is recorded in the schedule's
   * history like a task's run (its record names the workflow run it started).
   */
  private async runWorkflowJob(job: Job, token: string | undefined): Promise<unknown> {
    const scheduled = isScheduleRun(job, this.deps.benchOff)
      ? await beginScheduledRun(this.deps.command, job).catch((err: Error) => this.warnRun(job, err))
      : undefined;
    if (scheduled?.skip) return { skipped: 'missed slot: not run because catch-up is off' };
    try {
      const out = await runWorkflowJob(this.deps.command, this.deps.registry, job, token);
      // A plan the worker refused (the workflow's arguments no longer fit it) failed the run: so did this one.
      const refused = (out as { refused?: string } | null)?.refused;
      await this.endRun(job, scheduled, refused ? { state: 'failed', error: refused, final: true } : { state: 'completed', final: true });
      return out;
    } catch (err) {
      if (!(err instanceof WaitingChildrenError)) await this.endRun(job, scheduled, { state: 'failed', error: (err as Error).message, final: true });
      throw err;
    }
  }

  /** Its task is paused: the job goes back to delayed (lib/limits/paused-hold.ts), not failed, and runs once resumed. */
  private async holdPaused(queue: string, job: Job, token: string | undefined): Promise<never> {
    const { command } = this.deps;
    await holdPaused(command, queue, job, token, async () => (await readOverride(command, job.name))?.paused === true);
    this.deps.tracker.settled(queue, job.id!);
    throw new DelayedError();
  }

  /**
   * The lock may have passed to another worker (lib/worker/lock-fence.ts): no
   * outcome of ours is recorded. If the lock is still ours once Redis answers,
   * the job goes back to its queue; if not, whoever took it over has it.
   */
  private async abandon(queue: string, job: Job, token: string | undefined, entry: RunningJob): Promise<never> {
    this.deps.logger.warn('lock lost: handler aborted, the job is left to whoever holds its lock', { queue, jobId: job.id });
    await this.attemptDone(queue, job, entry, 'requeued', LOCK_LOST);
    await job.moveToWait(token).catch(() => {});
    this.deps.tracker.settled(queue, job.id!);
    throw new WaitingError();
  }

  /** Shutdown ran out of time: the job goes back to its queue instead of failing. */
  private async handBack(queue: string, job: Job, token: string | undefined, entry: RunningJob): Promise<never> {
    await this.attemptDone(queue, job, entry, 'requeued');
    await job.moveToWait(token);
    this.deps.tracker.settled(queue, job.id!);
    throw new WaitingError();
  }

  /** Record a failed (or cancelled) attempt, then throw what BullMQ records: a cancel is final, not retried. */
  private async fail(queue: string, job: Job, entry: RunningJob, scheduled: Scheduled | undefined, err: unknown, task: AnyTask): Promise<never> {
    this.deps.tracker.failed++;
    const cancelled = entry.stopped?.kind === 'cancel' ? entry.stopped : undefined;
    // The task's retryOn: an error it does not name fails the job now.
    const retryable = isRetryable(task.retryOn, err);
    const final = cancelled !== undefined || !retryable || err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const message = cancelled ? 'cancelled' : ((err as Error)?.message ?? String(err));
    await Promise.all([
      this.endRun(job, scheduled, { state: 'failed', error: message, final }),
      this.attemptDone(queue, job, entry, cancelled ? 'cancelled' : 'failed', message),
      // A job that failed for good goes to its task's dead-letter queue (lib/queue/dead-letter.ts); a cancel does not.
      // wf-core: a workflow's step is not dead-lettered (retrying it resumes its run); its final failure fails the run.
      final && !cancelled && task.deadLetter && !parseStepJobId(job.id) ? this.deadLetter(queue, job, message) : undefined,
      final ? this.workflowStepFailed(job, message) : undefined,
    ]);
    if (cancelled) throw new UnrecoverableError(typeof cancelled.reason === 'string' ? cancelled.reason : 'cancelled');
    if (!retryable && !(err instanceof UnrecoverableError)) throw new UnrecoverableError(message);
    throw err;
  }

  /** wf-core: a workflow step failed for good: its run fails, its onError task starts (lib/workflows/step-hooks.ts). */
  private workflowStepFailed(job: Job, message: string): Promise<void> {
    return stepFailed(this.deps.command, this.deps.registry, job, message, true).catch((err: Error) =>
      this.deps.logger.warn('could not record a workflow step failure', { jobId: job.id, error: err.message }),
    );
  }

  private deadLetter(queue: string, job: Job, message: string): Promise<void> {
    return deadLetter(this.deps.command, queue, job, message).catch((err: Error) =>
      this.deps.logger.warn('could not dead-letter job', { queue, jobId: job.id, error: err.message }),
    );
  }

  /** Close a schedule's run record; jobs that are not a schedule's have none. */
  private endRun(job: Job, scheduled: Scheduled | undefined, outcome: RunOutcome): Promise<void> | undefined {
    return scheduled ? endScheduledRun(this.deps.command, job, scheduled, outcome).catch((err: Error) => this.warnRun(job, err)) : undefined;
  }

  private warnRun(job: Job, err: Error): undefined {
    this.deps.logger.warn('could not record schedule run', { jobId: job.id, error: err.message });
    return undefined;
  }

  /** The job page's timeline: BullMQ keeps no per-attempt times, so each attempt is recorded (in the job's own hash). */
  private async attemptDone(queue: string, job: Job, entry: RunningJob, outcome: AttemptOutcome, error?: string): Promise<void> {
    const { command, workerId, logger } = this.deps;
    if (this.deps.benchOff?.attempts) return;
    const record = { attempt: job.attemptsMade + 1, startedAt: entry.startedAt, finishedAt: Date.now(), outcome, error, worker: workerId };
    return recordAttempt(command, queue, job.id!, record).catch((err: Error) =>
      logger.debug('could not record attempt', { jobId: job.id, error: err.message }),
    );
  }
}
