import type { Job } from 'bullmq';
import type { AnyTask } from '../registry/task-registry';
import { jobTimeOptions, TimeLimitExceeded } from '../registry/time-limits';

/**
 * The time limits of one attempt, run in this process. At the soft limit the
 * handler's signal aborts with a TimeLimitExceeded reason; at the hard limit
 * the signal aborts too and {@link race} rejects with a TimeLimitExceeded, so
 * the attempt fails whatever the handler does — as long as the event loop
 * turns: a handler that blocks it keeps the timers from firing (only
 * `isolation: 'process'` can stop that one).
 */
export class AttemptDeadline {
  private readonly controller = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private onHard?: (err: TimeLimitExceeded) => void;
  private hardHit?: TimeLimitExceeded;

  private armed = false;

  /** `armNow` false: the limits count from {@link arm} (an isolated attempt: once its process is up). */
  constructor(
    private readonly soft: number | undefined,
    readonly hardMs: number | undefined,
    armNow = true,
  ) {
    if (armNow) this.arm();
  }

  /** Start counting (once). */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    const { soft, hardMs: hard } = this;
    if (soft !== undefined) this.timers.push(setTimeout(() => this.abort(new TimeLimitExceeded('soft', soft)), soft));
    if (hard !== undefined) this.timers.push(setTimeout(() => this.hard(new TimeLimitExceeded('hard', hard)), hard));
  }

  /** Aborts at the first limit reached. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The handler's promise, or the hard limit's error, whichever comes first. */
  race<T>(work: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.hardHit) return reject(this.hardHit);
      this.onHard = reject;
      work.then(resolve, reject);
    });
  }

  /** The attempt ended: no limit fires any more. */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  private abort(reason: TimeLimitExceeded): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  private hard(err: TimeLimitExceeded): void {
    this.hardHit = err;
    this.abort(err);
    this.onHard?.(err);
  }
}

/** The limits of one attempt of `job`: the call's own, else the task's. */
export function attemptLimits(job: Job, task: AnyTask): { soft?: number; hard?: number } {
  const call = jobTimeOptions(job.opts);
  return { soft: call?.softTimeLimit ?? task.softTimeLimit, hard: call?.timeLimit ?? task.timeLimit };
}

/** A deadline for the attempt, or undefined when no limit applies (no timer, no signal: the common case costs nothing). */
export function startDeadline(job: Job, task: AnyTask): AttemptDeadline | undefined {
  const { soft, hard } = attemptLimits(job, task);
  return soft === undefined && hard === undefined ? undefined : new AttemptDeadline(soft, hard, task.isolation !== 'process');
}
