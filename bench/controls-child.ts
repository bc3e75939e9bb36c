import { z } from 'zod';
import { startWorker } from '../lib/worker/start-worker';
import { createRegistry } from '../lib/registry/task-registry';
import { defineTask } from '../lib/registry/define-task';
import { createLogger } from '../lib/logger';
import { bareWorker, serveWorker, type StopWorker } from './worker-process';

/**
 * One worker process of the controls bench (bench/controls.ts). Args: variant,
 * queue, rate. Env: REDIS_URL, CELERITY_PREFIX. Variants: `bullmq` (a bare
 * BullMQ Worker, default options), `celerity` (startWorker, task `hello`
 * without any control), `celerity-rate` (the same task with `rateLimit: rate`).
 * Concurrency 50. The handler returns its own start time (Date.now()), which
 * the accuracy part reads back. Prints WORKER_READY once it takes jobs.
 */
const [variant, queue, rate] = process.argv.slice(2) as [string, string, string | undefined];
const CONCURRENCY = 50;

async function celerity(): Promise<StopWorker> {
  const controls = variant === 'celerity-rate' ? { rateLimit: rate } : {};
  const hello = defineTask({ name: 'hello', description: 'no-op', queue, schema: z.object({}), handler: async () => Date.now(), ...controls });
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
