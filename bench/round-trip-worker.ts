import { z } from 'zod';
import { bareWorker, serveWorker, type StopWorker } from './worker-process';

/**
 * A worker process of the round-trip bench (bench/round-trip.ts). Args:
 * variant, queue. Env: REDIS_URL, CELERITY_PREFIX. `celerity`: Celerity's own
 * worker (startWorker, every feature on, as `celerity worker` runs it);
 * `bullmq`: a bare BullMQ Worker with default options. Task `hello`,
 * concurrency 10. Prints WORKER_READY once it takes jobs.
 */
const [variant, queue] = process.argv.slice(2) as [string, string];
const CONCURRENCY = 10;

async function celerity(): Promise<StopWorker> {
  // Imported here: lib/env reads the environment once, and the bare variant needs none of it.
  const { startWorker } = await import('../lib/worker/start-worker');
  const { createRegistry } = await import('../lib/registry/task-registry');
  const { defineTask } = await import('../lib/registry/define-task');
  const { createLogger } = await import('../lib/logger');
  const hello = defineTask({ name: 'hello', description: 'hello world', queue, schema: z.object({}), handler: () => 'hello world' });
  const worker = await startWorker({
    registry: createRegistry([hello]),
    logger: createLogger('worker', 'warn'),
    concurrency: CONCURRENCY,
    heartbeatMs: 5_000,
    shutdownTimeoutMs: 5_000,
    version: 'bench',
  });
  return () => worker.stop();
}

await serveWorker(() => (variant === 'bullmq' ? bareWorker(queue, CONCURRENCY) : celerity()));
