import type { Job } from 'bullmq';
import type { RedisConnection } from '../redis';
import { bullKey } from '../keys';
import type { TaskContext } from '../registry/define-task';
import type { TimeLimitExceeded } from '../registry/time-limits';
import type { RunningJob } from './job-tracker';

/**
 * What a handler sees of its job: identity, the signal, progress and log
 * lines (both dropped once the job is cancelled or handed back). Made once per
 * job, so it is a class (methods shared, no closures per job), and the signal
 * is made only when the handler reads it: most handlers never do.
 */
export class JobContext implements TaskContext {
  readonly jobId: string;
  readonly attempt: number;
  /** A workflow step's input (the previous step's result), set by lib/workflows/step-hooks.ts before the handler runs. */
  input: unknown = undefined;
  private limitedSignal: AbortSignal | undefined;

  constructor(
    private readonly job: Job,
    readonly queue: string,
    private readonly entry: RunningJob,
    private readonly command: RedisConnection,
    /** Aborts at the attempt's time limit (lib/worker/attempt-deadline.ts), when it has one. */
    private readonly timeLimit?: AbortSignal,
  ) {
    this.jobId = job.id!;
    this.attempt = job.attemptsMade + 1;
  }

  /** A handler still running after its hard limit writes nothing more: its job failed, and may be running again elsewhere. */
  private pastHardLimit(): boolean {
    return this.timeLimit?.aborted === true && (this.timeLimit.reason as TimeLimitExceeded).kind === 'hard';
  }

  get signal(): AbortSignal {
    if (!this.timeLimit) return this.entry.signal();
    return (this.limitedSignal ??= AbortSignal.any([this.entry.signal(), this.timeLimit]));
  }

  async progress(value: number | object): Promise<void> {
    if (this.entry.stopped || this.pastHardLimit()) return;
    this.entry.progress = value;
    await this.job.updateProgress(value);
  }

  async log(line: string): Promise<void> {
    if (this.entry.stopped || this.pastHardLimit()) return;
    await this.job.log(String(line));
    // BullMQ has no event for log lines; one in the queue's own stream lets the console show them live.
    await this.command.xadd(bullKey(this.queue, 'events'), 'MAXLEN', '~', '10000', '*', 'event', 'log', 'jobId', this.jobId);
  }
}

/**
 * The handler's promise, or the job's cancel or hand-back, whichever comes
 * first: a handler that ignores its signal must not keep a stopped job alive.
 */
export function raceStop<T>(work: PromiseLike<T>, entry: RunningJob): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (entry.stopped) return reject(entry.stopped.reason ?? new Error('stopped'));
    entry.onStop = reject;
    work.then(resolve, reject);
  });
}
