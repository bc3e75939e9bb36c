/**
 * `celerity/worker`: run a worker inside your own process (what `celerity worker`
 * does in a process of its own).
 *
 *   import { startWorker } from 'celerity/worker';
 *   const worker = await startWorker({ registry, concurrency: 10 });
 *   process.on('SIGTERM', () => worker.stop().then((r) => process.exit(r.clean ? 0 : 1)));
 *
 * Redis is taken from REDIS_URL (or the managed Redis of `celerity start`) and the key
 * prefix from CELERITY_PREFIX, as everywhere else; options left out come from the
 * CELERITY_* variables (README, "Configuration").
 */
import { env, type LogLevel } from '../env';
import { createLogger, type Logger } from '../logger';
import type { TaskRegistry } from '../registry/task-registry';
import type { CodeSchedule } from '../scheduler/define-schedule';
import { validateCodeSchedules } from '../scheduler/code-schedules';
import type { CodeAlert } from '../alerts/define-alert';
import { closeQueues } from '../queue/queue-registry';
import { closeRedis } from '../redis';
import { packageVersion } from '../package-info';
import { parseOrThrow } from '../validation';
import { lockSettingsSchema } from '../worker/lock-settings';
import { startWorker as startEngine, type RunningWorker, type StopReport } from '../worker/start-worker';

export { stopDeadlineMs, type StopReport } from '../worker/start-worker';
export type { Logger } from '../logger';

export interface WorkerOptions {
  registry: TaskRegistry;
  /** Schedules declared in code, upserted when the worker starts (a pause made in the console is kept). */
  schedules?: readonly CodeSchedule[];
  /** Alert rules declared in code (defineAlert), stored when the worker starts (a pause made in the console is kept). */
  alerts?: readonly CodeAlert[];
  /** Jobs run at once per queue (CELERITY_CONCURRENCY, 5). */
  concurrency?: number;
  /** Queues to take jobs from (CELERITY_QUEUES; default: every queue the registry's tasks use). */
  queues?: string[];
  /** The name the console shows (CELERITY_HOSTNAME, else the machine's). */
  hostname?: string;
  /** debug, info, warn or error (CELERITY_LOG_LEVEL, info); ignored when `logger` is given. */
  logLevel?: LogLevel;
  /** Your own logger instead of Celerity's JSON lines on stdout. */
  logger?: Logger;
  /** How long a stop waits for running jobs before handing them back (CELERITY_SHUTDOWN_TIMEOUT_MS, 30 s). */
  shutdownTimeoutMs?: number;
  /**
   * How long the lock on a running job lasts unless renewed, in ms (CELERITY_LOCK_DURATION_MS, 30 s; BullMQ's
   * lockDuration, renewed every half). A worker that cannot renew it for three quarters of it aborts the
   * handler's signal ("lock lost"). README, "Delivery guarantees".
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose lock expired, in ms (CELERITY_STALLED_INTERVAL_MS, 30 s; BullMQ's stalledInterval). */
  stalledIntervalMs?: number;
  /**
   * Called when someone asks this worker to shut down from the console. Default: the
   * worker stops (your process keeps running). Given: it is yours to call `stop()`.
   */
  onShutdownRequested?: () => void;
  /** Aborting it during start-up makes the worker finish starting without taking a job (then call stop()). */
  stopRequested?: AbortSignal;
}

export interface CelerityWorker {
  readonly id: string;
  readonly queues: string[];
  /** running, paused (paused from the console: takes no new jobs) or stopping. */
  state(): ReturnType<RunningWorker['state']>;
  /**
   * Stop taking jobs, let running ones finish (up to the shutdown timeout), hand
   * back the rest, then close the connections the worker used. Always settles,
   * also when Redis is gone; `clean` is false when a job was left active in Redis.
   */
  stop(): Promise<StopReport>;
}

export async function startWorker(options: WorkerOptions): Promise<CelerityWorker> {
  const e = env();
  // A bad code schedule stops the start here, before anything connects.
  validateCodeSchedules(options.schedules ?? [], options.registry);
  // A bad lock setting too: an InvalidError naming it (`lockDurationMs: must be at least 1000`).
  const lock = parseOrThrow(lockSettingsSchema, { lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs });
  const logger = options.logger ?? createLogger('worker', options.logLevel ?? e.CELERITY_LOG_LEVEL);
  let stopping: Promise<StopReport> | undefined;
  const running = await startEngine({
    registry: options.registry,
    schedules: options.schedules,
    alerts: options.alerts,
    logger,
    concurrency: options.concurrency ?? e.CELERITY_CONCURRENCY,
    queues: options.queues ?? e.CELERITY_QUEUES,
    hostname: options.hostname ?? e.CELERITY_HOSTNAME,
    heartbeatMs: e.CELERITY_HEARTBEAT_MS,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? e.CELERITY_SHUTDOWN_TIMEOUT_MS,
    watchdogMs: e.CELERITY_WATCHDOG_MS,
    lock: {
      lockDurationMs: lock.lockDurationMs ?? e.CELERITY_LOCK_DURATION_MS,
      stalledIntervalMs: lock.stalledIntervalMs ?? e.CELERITY_STALLED_INTERVAL_MS,
    },
    version: packageVersion(),
    stopRequested: options.stopRequested,
    onShutdownRequested: options.onShutdownRequested ?? (() => void stop()),
  });
  function stop(): Promise<StopReport> {
    stopping ??= running.stop().then(async (report) => {
      // The shared connection (schedules, watchdog) and its queues: quit when Redis answers, for a
      // second at most (a Redis that goes away right now must not turn a clean stop into a hang).
      if (!report.redisUnreachable) {
        await Promise.race([closeQueues().then(() => closeRedis()), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      }
      return report;
    });
    return stopping;
  }
  return { id: running.id, queues: running.queues, state: () => running.state(), stop };
}
