import type { Heartbeat } from './heartbeat';
import { JobMap } from './job-map';

/**
 * Why a running job's handler must stop: cancelled (from the console), handed
 * back at shutdown, or lost (its lock may have passed to another worker: lib/worker/lock-fence.ts).
 */
export interface Stop {
  kind: 'cancel' | 'requeue' | 'lost';
  reason: unknown;
}

/**
 * A job whose handler is running in this process, and how it is stopped.
 * The handler's signal is made only if it is read (most handlers never do): a
 * signal per job is a cost every job would pay (see {@link signal}).
 */
export class RunningJob {
  readonly startedAt = Date.now();
  progress?: unknown;
  /** Set once the job is cancelled or handed back (the first of the two wins). */
  stopped?: Stop;
  /** Called when the job is stopped while the processor waits for its handler (set for that wait). */
  onStop?: (reason: unknown) => void;
  private controller: AbortController | undefined;

  constructor(
    readonly queue: string,
    readonly jobId: string,
    readonly task: string,
  ) {}

  /** The handler's signal: aborts when the job is cancelled or handed back, with the reason. */
  signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.stopped && !this.controller.signal.aborted) this.controller.abort(this.stopped.reason);
    return this.controller.signal;
  }

  /** Stop the handler: its signal aborts and the processor's wait ends. Later stops change nothing. */
  stop(kind: Stop['kind'], reason: unknown): void {
    if (this.stopped) return;
    this.stopped = { kind, reason };
    this.controller?.abort(reason);
    this.onStop?.(reason);
  }
}

/** A job this worker took and whose outcome Redis has not recorded yet. */
export interface HeldJob {
  queue: string;
  jobId: string;
}

/** A held job cancelled before its handler started: why (the handler is stopped as it starts). */
interface Cancelled {
  reason: unknown;
}

/**
 * The jobs this worker holds and what became of them: read by the heartbeat
 * (what runs now, counters) and by the shutdown (what to hand back, what was
 * left behind). Two sets, because a job's outcome reaches Redis after its
 * handler ends, and a stop must know about a result still waiting for Redis.
 */
export class JobTracker {
  /** Jobs whose handler runs now. */
  private readonly running = new JobMap<RunningJob>();
  /**
   * Jobs taken and not yet settled in Redis: from the processor's start until
   * BullMQ has recorded the outcome (it emits 'completed'/'failed' only once
   * written) or the job was handed back.
   */
  private readonly unsettled = new JobMap<Cancelled | null>();
  /** Handlers that succeeded. */
  processed = 0;
  /** Handlers that failed (cancelled ones included). */
  failed = 0;

  /** The processor took a job: it is held until {@link settled}. */
  taken(queue: string, jobId: string): void {
    // null: held and not cancelled (no object per job).
    this.unsettled.set(queue, jobId, null);
  }

  /** The job's outcome is in Redis, it was handed back, or it is no longer ours (lock lost). */
  settled(queue: string, jobId: string): void {
    this.unsettled.delete(queue, jobId);
  }

  /** The job's handler starts now; the entry is what the heartbeat shows and the shutdown can abort. */
  started(queue: string, jobId: string, task: string): RunningJob {
    const entry = new RunningJob(queue, jobId, task);
    this.running.set(queue, jobId, entry);
    const cancelled = this.unsettled.get(queue, jobId);
    if (cancelled) entry.stop('cancel', cancelled.reason);
    return entry;
  }

  /**
   * Cancel a job this worker holds: its handler's signal aborts (now, or as it
   * starts) and the job fails, not retried. False when the job is not held
   * here (every worker hears every cancel; only the holder acts).
   */
  cancel(queue: string, jobId: string, reason: unknown): boolean {
    if (!this.unsettled.has(queue, jobId)) return false;
    if (!this.unsettled.get(queue, jobId)) this.unsettled.set(queue, jobId, { reason });
    this.running.get(queue, jobId)?.stop('cancel', reason);
    return true;
  }

  /** The job's handler ended (whatever the outcome). */
  ended(queue: string, jobId: string): void {
    this.running.delete(queue, jobId);
  }

  /** How many handlers run now. */
  runningCount(): number {
    return this.running.size;
  }

  /** The running jobs as the heartbeat shows them. */
  runningForHeartbeat(): Heartbeat['running'] {
    return [...this.running.values()].map(({ queue, jobId, task, startedAt, progress }) => ({ queue, jobId, task, startedAt, progress }));
  }

  /** Whether this worker took the job and Redis has not recorded its outcome yet. */
  holds(queue: string, jobId: string): boolean {
    return this.unsettled.has(queue, jobId);
  }

  /** The job's lock may be another worker's by now: its handler's signal aborts with `reason`. */
  lose(queue: string, jobId: string, reason: string): void {
    this.running.get(queue, jobId)?.stop('lost', reason);
  }

  /** Give up on every running job: each handler's signal aborts and its job goes back to the queue. */
  requeueAll(reason: string): void {
    for (const r of this.running.values()) r.stop('requeue', reason);
  }

  /** The jobs whose outcome is not in Redis (at the end of a shutdown: left active for stall detection). */
  unsettledJobs(): HeldJob[] {
    return [...this.unsettled.entries()].map(([queue, jobId]) => ({ queue, jobId }));
  }
}
