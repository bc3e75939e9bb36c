import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { env, LOG_LEVELS } from '@/lib/env';
import { createLogger } from '@/lib/logger';
import { startWorker, stopDeadlineMs, type RunningWorker } from '@/lib/worker/start-worker';
import { closeQueues } from '@/lib/queue/queue-registry';
import { closeRedis } from '@/lib/redis';
import { registry } from './tasks';
import { schedules } from './schedules';

/**
 * The worker process (`npm run worker`), like `celery worker`:
 *   npm run worker -- --concurrency 10 --queues default,reports --log-level debug
 * Flags override the CELERITY_* variables.
 */
const usage = `Usage: npm run worker -- [--concurrency N] [--queues a,b] [--log-level debug|info|warn|error] [--hostname NAME]`;

const flagsSchema = z.object({
  concurrency: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .optional(),
  queues: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  'log-level': z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  hostname: z.string().min(1).optional(),
});

async function main(): Promise<void> {
  let raw;
  try {
    raw = parseArgs({
      options: {
        concurrency: { type: 'string', short: 'c' },
        queues: { type: 'string', short: 'Q' },
        'log-level': { type: 'string', short: 'l' },
        hostname: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (raw.help) {
    console.log(usage);
    return;
  }
  const flags = flagsSchema.safeParse(raw);
  if (!flags.success) {
    const given = raw as Record<string, unknown>;
    const problems = flags.error.issues.map((i) => `--${i.path.join('.')} ${JSON.stringify(given[String(i.path[0])])}: ${i.message}`);
    console.error(`Invalid flag: ${problems.join('; ')}\n${usage}`);
    process.exit(2);
  }
  const e = env();
  const logger = createLogger('worker', flags.data['log-level'] ?? e.CELERITY_LOG_LEVEL);
  const known = new Set(registry.queues());
  const queues = flags.data.queues ?? e.CELERITY_QUEUES;
  for (const q of queues ?? []) if (!known.has(q)) logger.warn('no task uses this queue', { queue: q });

  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  // One shutdown path for SIGTERM, SIGINT and a shutdown requested from the console.
  // The handlers go in before start-up begins: a SIGTERM while the worker is still
  // connecting (a deployment that changes its mind) must not kill it halfway, with
  // a heartbeat and catalogue written and nobody left to clear them.
  const stopRequested = new AbortController();
  /** Start-up finished (the shutdown deadline's message says which phase hung). */
  let startedUp = false;
  let signals = 0;
  function shutdown(sig: string): void {
    signals++;
    if (signals > 1) {
      logger.warn('second signal: exiting now', { signal: sig });
      process.exit(1);
    }
    logger.info('shutting down', { signal: sig });
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
      .then(async (report) => {
        // The shared connection (schedules, watchdog) and its queues: quit when Redis answers, for a
        // second at most (a Redis that goes away right now must not turn a clean stop into a deadline
        // exit); when it does not answer, the exit below closes the sockets.
        if (!report.redisUnreachable) {
          await Promise.race([closeQueues().then(() => closeRedis()), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        }
        // Exit code: 0 when no job was left behind (all finished and recorded, handed back, or none
        // running), even if Redis was unreachable at the end; 1 when a job stays active in Redis for
        // stall detection to run again, so a supervisor sees that this stop lost work in progress.
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

  const concurrency = flags.data.concurrency ?? e.CELERITY_CONCURRENCY;
  logger.info('worker starting', { queues: queues ?? registry.queues(), concurrency });
  // Assigned in the same tick as the handlers above: a signal is handled only once this function awaits.
  const started: Promise<RunningWorker> = startWorker({
    registry,
    logger,
    concurrency,
    queues,
    hostname: flags.data.hostname ?? e.CELERITY_HOSTNAME,
    heartbeatMs: e.CELERITY_HEARTBEAT_MS,
    shutdownTimeoutMs: e.CELERITY_SHUTDOWN_TIMEOUT_MS,
    watchdogMs: e.CELERITY_WATCHDOG_MS,
    version,
    schedules,
    stopRequested: stopRequested.signal,
    onShutdownRequested: () => shutdown('console request'),
  });
  await started;
  startedUp = true;
}

main().catch((err: Error) => {
  console.error(`Worker failed to start: ${err.message}`);
  process.exit(1);
});
