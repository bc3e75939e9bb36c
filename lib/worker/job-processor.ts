import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullKey } from '../keys';
import type { Logger } from '../logger';
import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import type { TaskContext } from '../registry/define-task';
import { beginScheduledRun, endScheduledRun, type ScheduledRun } from '../scheduler/run-recorder';
import { recordAttempt, type AttemptOutcome } from '../queue/attempt-log';
import type { JobTracker, RunningJob } from './job-tracker';
import type { WorkerStatus } from './worker-status';

export interface JobProcessorDeps {
  registry: TaskRegistry;
  /** The worker's command connection: schedule runs, attempt records, log events. */
  command: Redis;
  logger: Logger;
  /** Written into each attempt record, so the job page says which worker ran it. */
  workerId: string;
  tracker: JobTracker;
  status: WorkerStatus;
}

/** BullMQ's processor function, with the cancel signal it passes to processors that declare it. */
export type QueueProcessor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;

type RunOutcome = Parameters<typeof endScheduledRun>[3];
type Scheduled = ScheduledRun & { skip: boolean };

/** Error text for arguments that fail the task's schema at execution. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(args)'}: ${i.message}`).join('; ');
}

/** A promise that rejects when `signal` aborts: raced against a handler that may ignore its signal. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {}); // handled by the caller when it wins the race
  return aborted;
}

/** What a handler sees of its job: identity, the signal, progress and log lines (both dropped once aborted). */
function taskContext(job: Job, queue: string, entry: RunningJob, signal: AbortSignal, command: Redis): TaskContext {
  return {
    jobId: job.id!,
    queue,
    attempt: job.attemptsMade + 1,
    signal,
    async progress(value) {
      if (signal.aborted) return;
      entry.progress = value;
      await job.updateProgress(value);
    },
    async log(line) {
      if (signal.aborted) return;
      await job.log(String(line));
      // BullMQ has no event for log lines; one in the queue's own stream lets the console show them live.
      await command.xadd(bullKey(queue, 'events'), 'MAXLEN', '~', '10000', '*', 'event', 'log', 'jobId', job.id!);
    },
  };
}

/**
 * Runs one job: checks its task and arguments, records a schedule's run and
 * each attempt, gives the handler its context, and turns the handler's end
 * (result, error, cancel, or the shutdown giving up on it) into what BullMQ
 * must record. The per-job path is {@link process}; nothing else runs per job.
 */
export class JobProcessor {
  constructor(private readonly deps: JobProcessorDeps) {}

  /**
   * BullMQ's processor for one queue. It declares all three parameters:
   * BullMQ passes the cancel signal only to a function whose length is 3.
   */
  forQueue(queue: string): QueueProcessor {
    return (job: Job, token?: string, signal?: AbortSignal) => this.process(queue, job, token, signal);
  }

  /** Run `job` taken from `queue`; resolves to its result, or throws what BullMQ records as a failure or hand-back. */
  async process(queue: string, job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    if (this.deps.status.state === 'paused') {
      // Fetched in the instant of a remote pause (a blocking fetch already under way): hand it back untouched.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.deps.tracker.taken(queue, job.id!);
    const task: AnyTask | undefined = this.deps.registry.get(job.name);
    if (!task) throw new UnrecoverableError(`Unknown task "${job.name}": no worker on queue "${queue}" defines it`);
    const parsed = task.schema.safeParse(job.data ?? {});
    if (!parsed.success) throw new UnrecoverableError(`Invalid arguments: ${describeIssues(parsed.error.issues)}`);
    // A schedule's run is recorded for its history; the late run of missed slots is skipped unless it catches up.
    const scheduled = await beginScheduledRun(this.deps.command, job).catch((err: Error) => this.warnRun(job, err));
    if (scheduled?.skip) {
      this.deps.logger.info('missed slot skipped (catch-up is off)', { queue, jobId: job.id, schedule: scheduled.name });
      return { skipped: 'missed slot: not run because catch-up is off' };
    }
    return this.runHandler(queue, job, token, signal ?? new AbortController().signal, task, parsed.data, scheduled);
  }

  private async runHandler(
    queue: string,
    job: Job,
    token: string | undefined,
    cancel: AbortSignal,
    task: AnyTask,
    args: unknown,
    scheduled: Scheduled | undefined,
  ): Promise<unknown> {
    const { tracker } = this.deps;
    const entry = tracker.started(queue, job.id!, task.name);
    // A handler that ignores its signal must not keep a cancelled job alive: the race below ends it.
    const combined = AbortSignal.any([cancel, entry.requeue.signal]);
    const ctx = taskContext(job, queue, entry, combined, this.deps.command);
    try {
      const aborted = rejectOnAbort(combined);
      const result = await Promise.race([Promise.resolve(task.handler(args, ctx)), aborted]);
      tracker.processed++;
      await Promise.all([this.endRun(job, scheduled, { state: 'completed', final: true }), this.attemptDone(queue, job, entry, 'completed')]);
      return result === undefined ? null : result;
    } catch (err) {
      if (entry.requeue.signal.aborted) return this.handBack(queue, job, token, entry);
      return this.fail(queue, job, cancel, entry, scheduled, err);
    } finally {
      tracker.ended(queue, job.id!);
    }
  }

  /** Shutdown ran out of time: the job goes back to its queue instead of failing. */
  private async handBack(queue: string, job: Job, token: string | undefined, entry: RunningJob): Promise<never> {
    await this.attemptDone(queue, job, entry, 'requeued');
    await job.moveToWait(token);
    this.deps.tracker.settled(queue, job.id!);
    throw new WaitingError();
  }

  /** Record a failed (or cancelled) attempt, then throw what BullMQ records: a cancel is final, not retried. */
  private async fail(queue: string, job: Job, cancel: AbortSignal, entry: RunningJob, scheduled: Scheduled | undefined, err: unknown): Promise<never> {
    this.deps.tracker.failed++;
    const final = cancel.aborted || err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const message = cancel.aborted ? 'cancelled' : ((err as Error)?.message ?? String(err));
    await Promise.all([
      this.endRun(job, scheduled, { state: 'failed', error: message, final }),
      this.attemptDone(queue, job, entry, cancel.aborted ? 'cancelled' : 'failed', message),
    ]);
    if (cancel.aborted) throw new UnrecoverableError(typeof cancel.reason === 'string' ? cancel.reason : 'cancelled');
    throw err;
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
  private attemptDone(queue: string, job: Job, entry: RunningJob, outcome: AttemptOutcome, error?: string): Promise<void> {
    const { command, workerId, logger } = this.deps;
    const record = { attempt: job.attemptsMade + 1, startedAt: entry.startedAt, finishedAt: Date.now(), outcome, error, worker: workerId };
    return recordAttempt(command, queue, job.id!, record).catch((err: Error) =>
      logger.debug('could not record attempt', { jobId: job.id, error: err.message }),
    );
  }
}
