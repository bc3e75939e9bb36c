import { JobMap } from './job-map';

/** The reason a handler's signal aborts with when its job may have been taken over. */
export const LOCK_LOST = 'lock lost';

export interface LockFenceOptions {
  /** BullMQ's lockDuration: the job's lock expires this long after its last renewal. */
  lockDurationMs: number;
  /**
   * The heartbeat interval; undefined when the worker writes none (bench).
   * Other workers treat this worker as dead once its heartbeat is late
   * ({@link lateAfterMs}) and its connections are gone (lib/worker/dead-worker-recovery.ts).
   */
  heartbeatMs: number | undefined;
  /** Abort the handler of a job that may no longer be this worker's. */
  onLost(queue: string, jobId: string): void;
  /** Write the heartbeat now; settles when written or failed (the event loop was blocked: see {@link LockFence.check}). */
  beat(): Promise<unknown>;
  now?: () => number;
}

/** How often the fence looks at its jobs. */
export const FENCE_TICK_MS = 250;

/**
 * How old (by Redis's clock) a worker's last heartbeat must be for the others
 * to call it late: 2 of its intervals, and never under 3 s (a short interval
 * must not make a brief pause look like a death).
 */
export function lateAfterMs(heartbeatMs: number): number {
  return Math.max(2 * heartbeatMs, 3000);
}

/** How long before the others may call it late a worker gives up its handlers: half an interval, at least 1 s (4 ticks). */
function heartbeatMarginMs(heartbeatMs: number): number {
  return Math.max(heartbeatMs / 2, 1000);
}
/** A tick this much later than due means the event loop was blocked, not that Redis was away. */
const BLOCKED_MS = 1000;

/**
 * Bounds how long a worker cut off from Redis keeps running a job another
 * worker may take over. A job can change hands in two ways: its lock expires
 * (BullMQ's stall detection, `lockDurationMs` after the last renewal Redis
 * executed), or this worker is declared dead (heartbeat 2 intervals old and no
 * connection listed: {@link lateAfterMs}). Both clocks start no earlier than
 * when this worker *sent* its last acknowledged renewal or heartbeat, so
 * aborting the handler's signal at 3/4 of the lock, or half an interval (at
 * least 1 s) before the heartbeat is late, counted from those sends, happens
 * before either can.
 *
 * A handler that ignores its signal keeps running (JavaScript cannot stop
 * it): the overlap is then bounded by that handler alone. A worker whose event
 * loop was blocked (a CPU-bound handler) is not cut off: its sockets stayed
 * open, so nobody declared it dead; it gets a heartbeat written before it is judged.
 */
export class LockFence {
  /** Each job's last acknowledged renewal: when it was sent (the lock runs from no earlier than that). */
  private readonly jobs = new JobMap<number>();
  private readonly now: () => number;
  private heartbeatAt: number;
  private lastTick: number;
  /** A heartbeat asked for after a blocked loop is under way: no judging until it settles. */
  private proving = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LockFenceOptions) {
    this.now = opts.now ?? Date.now;
    this.heartbeatAt = this.now();
    this.lastTick = this.now();
  }

  /** A job was taken: its lock was set when it was fetched, just before `at`. */
  taken(queue: string, jobId: string, at = this.now()): void {
    this.jobs.set(queue, jobId, at);
  }

  /** Redis acknowledged renewals of these jobs' locks, sent at `sentAt`. */
  renewed(queue: string, jobIds: readonly string[], sentAt: number): void {
    for (const jobId of jobIds) {
      const renewedAt = this.jobs.get(queue, jobId);
      if (renewedAt !== undefined && sentAt > renewedAt) this.jobs.set(queue, jobId, sentAt);
    }
  }

  /** A heartbeat write sent at `sentAt` was acknowledged. */
  heartbeatWritten(sentAt: number): void {
    if (sentAt > this.heartbeatAt) this.heartbeatAt = sentAt;
  }

  /** The job's handler ended, or its lock is gone (then call {@link lost} instead). */
  released(queue: string, jobId: string): void {
    this.jobs.delete(queue, jobId);
  }

  /** BullMQ says the lock is gone (renewal refused): abort now. */
  lost(queue: string, jobId: string): void {
    if (this.jobs.delete(queue, jobId)) this.opts.onLost(queue, jobId);
  }

  /** The instant after which a job renewed at `renewedAt` may change hands, minus the margin: when its handler must have been told. */
  private deadline(renewedAt: number): number {
    const { lockDurationMs, heartbeatMs } = this.opts;
    // Less a tick: the deadline is noticed up to a tick late.
    const byLock = renewedAt + (lockDurationMs * 3) / 4 - FENCE_TICK_MS;
    return heartbeatMs === undefined ? byLock : Math.min(byLock, this.heartbeatAt + lateAfterMs(heartbeatMs) - heartbeatMarginMs(heartbeatMs) - FENCE_TICK_MS);
  }

  /** Abort the handlers whose deadline passed. Runs every {@link FENCE_TICK_MS}; public for tests. */
  check(): void {
    const t = this.now();
    const blocked = t - this.lastTick > BLOCKED_MS;
    this.lastTick = t;
    if (blocked && this.jobs.size) {
      // Sockets stay open while the loop is blocked, so no one declared this worker dead: prove it is
      // alive (a heartbeat; BullMQ's overdue renewal timer fires too) before judging.
      this.proving = true;
      void this.opts.beat().finally(() => (this.proving = false));
    }
    if (this.proving) return;
    for (const [queue, jobId, renewedAt] of this.jobs.entries()) {
      if (t < this.deadline(renewedAt)) continue;
      this.jobs.delete(queue, jobId);
      this.opts.onLost(queue, jobId);
    }
  }

  start(): void {
    this.lastTick = this.now();
    this.timer = setInterval(() => this.check(), FENCE_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
