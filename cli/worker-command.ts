import { env } from '../lib/env';
import { createLogger } from '../lib/logger';
import { startWorker, stopDeadlineMs, type CelerityWorker } from '../lib/public/worker';
import type { WorkerFlags } from './worker-flags';
import type { TasksModule } from './load-tasks-module';

/**
 * `celerity worker -A ./tasks.ts`: a worker process on the user's tasks, like
 * `celery -A proj worker`. Flags override the CELERITY_* variables. Exits 0
 * when it stopped without leaving a job behind, 1 when a job stays active in
 * Redis for stall detection to run again (a supervisor then sees lost work).
 */
export async function runWorkerCommand(tasks: TasksModule, flags: WorkerFlags): Promise<void> {
  const e = env();
  const logger = createLogger('worker', flags.logLevel ?? e.CELERITY_LOG_LEVEL);
  const { registry } = tasks;
  const known = new Set(registry.queues());
  const queues = flags.queues ?? e.CELERITY_QUEUES;
  for (const q of queues ?? []) if (!known.has(q)) logger.warn('no task uses this queue', { queue: q });

  // One shutdown path for SIGTERM, SIGINT and a shutdown requested from the console. The handlers go
  // in before start-up begins: a SIGTERM while the worker is still connecting (a deployment that changes
  // its mind) must not kill it halfway, with a heartbeat and catalogue written and nobody left to clear them.
  const stopRequested = new AbortController();
  let startedUp = false;
  let signals = 0;
  function shutdown(reason: string): void {
    if (++signals > 1) {
      logger.warn('second signal: exiting now', { signal: reason });
      process.exit(1);
    }
    logger.info('shutting down', { signal: reason });
    // A hard deadline whatever happens below: stop() is bounded, but start-up is not (it waits for
    // Redis), and a worker that ignores SIGTERM only gets SIGKILLed, with no word of why.
    const deadlineMs = stopDeadlineMs(e.CELERITY_SHUTDOWN_TIMEOUT_MS);
    setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting (is Redis reachable?)', { deadlineMs, starting: !startedUp });
      process.exit(1);
    }, deadlineMs).unref();
    // Start-up, if still running, finishes without taking a job; then the usual stop.
    stopRequested.abort();
    started
      .then((w) => w.stop())
      .then((report) => {
        if (!report.clean) logger.error('exiting with code 1: jobs left active in Redis', { jobs: report.leftBehind.length });
        process.exit(report.clean ? 0 : 1);
      })
      .catch((err: Error) => {
        logger.error('shutdown failed', { error: err.message });
        process.exit(1);
      });
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const concurrency = flags.concurrency ?? e.CELERITY_CONCURRENCY;
  logger.info('worker starting', { tasks: tasks.file, queues: queues ?? registry.queues(), concurrency });
  // Assigned in the same tick as the handlers above: a signal is handled only once this function awaits.
  const started: Promise<CelerityWorker> = startWorker({
    registry,
    schedules: tasks.schedules,
    alerts: tasks.alerts,
    logger,
    concurrency,
    queues,
    hostname: flags.hostname,
    lockDurationMs: flags.lockDuration,
    stalledIntervalMs: flags.stalledInterval,
    stopRequested: stopRequested.signal,
    onShutdownRequested: () => shutdown('console request'),
  });
  await started;
  startedUp = true;
}
