import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import type { JobTracker, HeldJob } from './job-tracker';
import type { HeartbeatLoop } from './heartbeat-loop';
import type { QueueWorkers } from './queue-workers';
import type { RedisOutage } from './redis-outage';
import type { WorkerStatus } from './worker-status';

/** How a stop went. */
export interface StopReport {
  /** No job was left behind: every job this worker held was finished and recorded, or handed back to its queue. */
  clean: boolean;
  /**
   * Jobs whose outcome could not be written to Redis (it was unreachable, or
   * did not answer in time): they stay active in their queue, and stall
   * detection runs them again once their lock expires.
   */
  leftBehind: HeldJob[];
  /** Redis was unreachable at the end: the heartbeat could not be cleared (it expires on its own). */
  redisUnreachable: boolean;
}

/**
 * After the shutdown timeout, how long the jobs being handed back get to
 * reach Redis (a few round trips when it answers) before the worker stops
 * waiting for them.
 */
export const HANDBACK_GRACE_MS = 2000;

/**
 * Longest wait for the delay pacers before the workers close (see sequence()): one command when Redis
 * answers, and only then; taken from the 1.5 s margin of {@link stopDeadlineMs}.
 */
const PACER_STOP_WAIT_MS = 300;
/** How long clearing the heartbeat and closing the connections may take before they are cut. */
export const CLOSE_GRACE_MS = 1000;

/**
 * A deadline for a whole shutdown: what `stop()` takes at most (the shutdown
 * timeout, the hand-back grace, the closing of connections) plus 1.5 s for the
 * process entry to close its shared connection and exit. The entry exits when
 * it passes whatever happened, so a shutdown is bounded even if a step hangs in
 * a way this file did not foresee (or start-up never finished). It stays under
 * the 5 s that `npm start` adds to the timeout before it kills the worker.
 */
export function stopDeadlineMs(shutdownTimeoutMs: number): number {
  return shutdownTimeoutMs + HANDBACK_GRACE_MS + CLOSE_GRACE_MS + 1500;
}

/** Whether `p` settles within `ms` (the promise keeps running either way). */
export function settlesWithin(ms: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The bounded wait for running jobs: up to `timeoutMs` for `closed` (the
 * workers' close, which ends when their jobs have); past it, `handBack()`
 * aborts the jobs still running so they go back to their queues, and they get
 * `graceMs` more. True when `closed` settled in time, false when the wait gave up.
 */
export async function waitThenHandBack(closed: Promise<unknown>, timeoutMs: number, graceMs: number, handBack: () => void): Promise<boolean> {
  if (await settlesWithin(timeoutMs, closed)) return true;
  handBack();
  return settlesWithin(graceMs, closed);
}

export interface CloseOptions {
  /** The worker's command connection: clearing the heartbeat needs it ready. */
  command: RedisConnection;
  /** Every connection of the worker, `command` among them. */
  connections: readonly RedisConnection[];
  /** Whether Redis is reachable now (per the outage tracker). */
  reachable: boolean;
  /** What must end before the heartbeat is cleared (the delay pacers' last writes). */
  after: Promise<unknown>;
  clearHeartbeat: () => Promise<void>;
  graceMs?: number;
}

/**
 * The last step of a stop: when Redis answers, clear the heartbeat and quit
 * every connection, within the grace; then cut whatever is not closed (quit()
 * waits for a reply, and there may be none coming). True when the heartbeat was cleared.
 */
export async function closeConnections(o: CloseOptions): Promise<boolean> {
  let heartbeatCleared = false;
  if (o.reachable && o.command.status === 'ready') {
    const closing = (async () => {
      await o.after;
      await o.clearHeartbeat();
      heartbeatCleared = true;
      await Promise.all(o.connections.map((c) => c.quit().catch(() => {})));
    })();
    await settlesWithin(
      o.graceMs ?? CLOSE_GRACE_MS,
      closing.catch(() => {}),
    );
  }
  for (const c of o.connections) if (c.status !== 'end') c.disconnect();
  return heartbeatCleared;
}

export interface ShutdownParts {
  id: string;
  status: WorkerStatus;
  tracker: JobTracker;
  workers: QueueWorkers;
  heartbeat: HeartbeatLoop;
  outage: RedisOutage;
  command: RedisConnection;
  subscriber: RedisConnection;
  logger: Logger;
  shutdownTimeoutMs: number;
  heartbeatMs: number;
  /** Stop the schedule watchdog (a timer: nothing to wait for). */
  stopUpkeep: () => void;
  /** Stop the delay pacers; may wait on Redis. */
  stopPacers: () => Promise<unknown>;
}

/**
 * A worker's stop, run once whoever asks (a signal, the console, a test):
 * stop taking jobs, let running ones finish up to the timeout, hand back the
 * ones still running, report jobs whose outcome never reached Redis, clear
 * the heartbeat and close connections. Always settles within
 * {@link stopDeadlineMs}, even when Redis is gone.
 */
export class ShutdownSequence {
  private stopping: Promise<StopReport> | undefined;

  constructor(private readonly p: ShutdownParts) {}

  /** Start the stop, or join the one under way. */
  run(): Promise<StopReport> {
    this.stopping ??= this.sequence();
    return this.stopping;
  }

  private async sequence(): Promise<StopReport> {
    const { p } = this;
    p.status.state = 'stopping';
    p.stopUpkeep();
    // Not awaited first: a pacer waiting on an unreachable Redis must not hold the workers' close back.
    const pacersStopped = p.stopPacers();
    // With Redis up, a promotion already sent lands before the workers stop fetching (a short wait: one command),
    // so the job it moved runs now instead of sitting in `waiting` until a worker starts.
    if (p.outage.reachable()) await Promise.race([pacersStopped, new Promise((r) => setTimeout(r, PACER_STOP_WAIT_MS).unref())]);
    const closed = this.closeWorkers(p.outage.reachable());
    void p.heartbeat.beat();
    const done = await waitThenHandBack(closed, p.shutdownTimeoutMs, HANDBACK_GRACE_MS, () => {
      p.logger.warn('shutdown timeout: handing running jobs back to their queues', { running: p.tracker.runningCount() });
      p.tracker.requeueAll('shutdown');
    });
    p.heartbeat.stopTimer();
    const leftBehind = this.reportLeftBehind(done);
    const heartbeatCleared = await closeConnections({
      command: p.command,
      connections: [...p.workers.connections(), p.subscriber, p.command],
      reachable: p.outage.reachable(),
      after: pacersStopped,
      clearHeartbeat: () => p.heartbeat.clear(p.id),
    });
    if (!heartbeatCleared) p.logger.warn('Redis unreachable: heartbeat not cleared; it expires on its own', { expiresInMs: p.heartbeatMs * 3 });
    const report: StopReport = { clean: leftBehind.length === 0, leftBehind, redisUnreachable: !heartbeatCleared };
    p.logger.info('worker stopped', { id: p.id, processed: p.tracker.processed, failed: p.tracker.failed, clean: report.clean });
    return report;
  }

  /**
   * close() stops fetching at once and resolves when active jobs have finished
   * (or were handed back). With Redis away and nothing running there is nothing
   * to wait for, and a graceful close would wait for the fetching connection to
   * end cleanly, which it does not do while it reconnects.
   */
  private closeWorkers(reachable: boolean): Promise<void> {
    const { workers, tracker, logger, shutdownTimeoutMs } = this.p;
    const running = tracker.runningCount();
    const closed = workers.close(!reachable && running === 0);
    logger.info('stopping: no new jobs; waiting for running ones', { running, timeoutMs: shutdownTimeoutMs });
    if (!reachable) {
      logger.warn(
        running
          ? 'Redis is unreachable: running jobs may finish, but their results are recorded only if Redis is back before the timeout'
          : 'Redis is unreachable: closing without it',
        { running },
      );
    }
    return closed;
  }

  /** Jobs still unsettled now stay active in Redis: said loudly, since stall detection will run them again. */
  private reportLeftBehind(done: boolean): HeldJob[] {
    const leftBehind = this.p.tracker.unsettledJobs();
    if (leftBehind.length) {
      this.p.logger.error('jobs left active: their outcome could not be written to Redis; stall detection will run them again', {
        jobs: leftBehind.map((j) => `${j.queue}/${j.jobId}`),
      });
    } else if (!done) {
      // Every job is settled; only BullMQ's own closing hangs (a connection that never ends while it reconnects).
      this.p.logger.debug('worker connections did not close in time: cutting them');
    }
    return leftBehind;
  }
}
