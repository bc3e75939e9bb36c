import { startWorker } from '../lib/worker/start-worker';
import { createRegistry } from '../lib/registry/task-registry';
import { createLogger } from '../lib/logger';
import { serveWorker } from './worker-process';
import { nap, noop } from './workflows-tasks';

/**
 * The worker process of the workflows bench (bench/workflows.ts): Celerity's
 * own worker (startWorker, as `celerity worker` runs it) with the bench's
 * tasks, concurrency 50. Env: REDIS_URL, CELERITY_PREFIX. Prints WORKER_READY.
 */
const CONCURRENCY = 50;

await serveWorker(async () => {
  const worker = await startWorker({
    registry: createRegistry([noop, nap]),
    logger: createLogger('worker', 'warn'),
    concurrency: CONCURRENCY,
    heartbeatMs: 5_000,
    shutdownTimeoutMs: 5_000,
    version: 'bench',
  });
  return () => worker.stop();
});
