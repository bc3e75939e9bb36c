import type { Heartbeat } from './heartbeat';

/** A job whose handler is running in this process. */
export interface RunningJob {
  queue: string;
  jobId: string;
  task: string;
  startedAt: number;
  progress?: unknown;
  /** Aborted when the worker gives up on the job at shutdown: it goes back to the queue. */
  requeue: AbortController;
}

/** A job this worker took and whose outcome Redis has not recorded yet. */
export interface HeldJob {
  queue: string;
  jobId: string;
}

/** Job ids are unique per queue only. */
const runKey = (queue: string, jobId: string) => `${queue}\u0000${jobId}`;

/**
 * The jobs this worker holds and what became of them: read by the heartbeat
 * (what runs now, counters) and by the shutdown (what to hand back, what was
 * left behind). Two sets, because a job's outcome reaches Redis after its
 * handler ends, and a stop must know about a result still waiting for Redis.
 */
export class JobTracker {
  /** Jobs whose handler runs now. */
  private readonly running = new Map<string, RunningJob>();
  /**
   * Jobs taken and not yet settled in Redis: from the processor's start until
   * BullMQ has recorded the outcome (it emits 'completed'/'failed' only once
   * written) or the job was handed back.
   */
  private readonly unsettled = new Map<string, HeldJob>();
  /** Handlers that succeeded. */
  processed = 0;
  /** Handlers that failed (cancelled ones included). */
  failed = 0;

  /** The processor took a job: it is held until {@link settled}. */
  taken(queue: string, jobId: string): void {
    this.unsettled.set(runKey(queue, jobId), { queue, jobId });
  }

  /** The job's outcome is in Redis, it was handed back, or it is no longer ours (lock lost). */
  settled(queue: string, jobId: string): void {
    this.unsettled.delete(runKey(queue, jobId));
  }

  /** The job's handler starts now; the entry is what the heartbeat shows and the shutdown can abort. */
  started(queue: string, jobId: string, task: string): RunningJob {
    const entry: RunningJob = { queue, jobId, task, startedAt: Date.now(), requeue: new AbortController() };
    this.running.set(runKey(queue, jobId), entry);
    return entry;
  }

  /** The job's handler ended (whatever the outcome). */
  ended(queue: string, jobId: string): void {
    this.running.delete(runKey(queue, jobId));
  }

  /** How many handlers run now. */
  runningCount(): number {
    return this.running.size;
  }

  /** The running jobs as the heartbeat shows them. */
  runningForHeartbeat(): Heartbeat['running'] {
    return [...this.running.values()].map(({ queue, jobId, task, startedAt, progress }) => ({ queue, jobId, task, startedAt, progress }));
  }

  /** Give up on every running job: each handler's signal aborts and its job goes back to the queue. */
  requeueAll(reason: string): void {
    for (const r of this.running.values()) r.requeue.abort(reason);
  }

  /** The jobs whose outcome is not in Redis (at the end of a shutdown: left active for stall detection). */
  unsettledJobs(): HeldJob[] {
    return [...this.unsettled.values()];
  }
}
