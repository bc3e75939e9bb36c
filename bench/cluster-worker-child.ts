import { z } from 'zod';
import { serveWorker } from './worker-process';

/**
 * One worker process of the cluster throughput bench (bench/cluster-throughput.ts): Celerity's
 * worker (startWorker, every feature on) on every queue named in argv, one no-op task per
 * queue, concurrency 50. Env: REDIS_URL (a single Redis or redis+cluster://…), CELERITY_PREFIX.
 */
const queues = process.argv.slice(2);

await serveWorker(async () => {
  // Imported here: lib/env reads REDIS_URL once, and it must be this run's.
  const { startWorker } = await import('../lib/worker/start-worker');
  const { createRegistry } = await import('../lib/registry/task-registry');
  const { defineTask } = await import('../lib/registry/define-task');
  const { createLogger } = await import('../lib/logger');
  const tasks = queues.map((queue) => defineTask({ name: `noop-${queue}`, description: 'no-op', queue, schema: z.object({}), handler: async () => 'ok' }));
  const worker = await startWorker({
    registry: createRegistry(tasks),
    logger: createLogger('worker', 'warn'),
    concurrency: 50,
    heartbeatMs: 5_000,
    shutdownTimeoutMs: 5_000,
    version: 'bench',
  });
  return () => worker.stop();
});
