import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * One worker process of the worker-throughput bench (bench/worker-throughput.ts).
 * Args: variant, queue. Env: REDIS_URL, CELERITY_PREFIX. Variants: `bullmq`
 * (a bare BullMQ Worker, default options: what a user comparing engines would
 * run), `celerity` (startWorker, every feature on), `celerity-no-<feature>`
 * (one feature turned off through the bench-only switch). Concurrency 50, a
 * no-op task `hello`. `celerity-baseline` is `celerity` with the lib/ of
 * another commit's worktree (BENCH_WORKER_LIB). Prints WORKER_READY once it
 * takes jobs.
 */
const [variant, queue] = process.argv.slice(2) as [string, string];
const CONCURRENCY = 50;

async function bare(): Promise<() => Promise<unknown>> {
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  const worker = new Worker(queue, async () => 'hello world', { connection, prefix: process.env.CELERITY_PREFIX, concurrency: CONCURRENCY });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return () => worker.close().then(() => connection.quit());
}

async function celerity(): Promise<() => Promise<unknown>> {
  // Imported here: lib/env reads the environment once, and the bare variant needs none of it. From an
  // earlier commit's worktree for the baseline variant (BENCH_WORKER_LIB: bench/worker-throughput.ts).
  const root = process.env.BENCH_WORKER_LIB ?? path.resolve(import.meta.dirname, '..');
  const lib = (file: string) => import(pathToFileURL(path.join(root, 'lib', file)).href);
  const { startWorker } = (await lib('worker/start-worker.ts')) as typeof import('../lib/worker/start-worker');
  const { createRegistry } = (await lib('registry/task-registry.ts')) as typeof import('../lib/registry/task-registry');
  const { defineTask } = (await lib('registry/define-task.ts')) as typeof import('../lib/registry/define-task');
  const { createLogger } = (await lib('logger.ts')) as typeof import('../lib/logger');
  const hello = defineTask({ name: 'hello', description: 'no-op', queue, schema: z.object({}), handler: async () => 'hello world' });
  const off = variant.startsWith('celerity-no-') ? variant.slice('celerity-no-'.length) : undefined;
  const worker = await startWorker({
    registry: createRegistry([hello]),
    logger: createLogger('worker', 'warn'),
    concurrency: CONCURRENCY,
    heartbeatMs: 5_000,
    shutdownTimeoutMs: 5_000,
    version: 'bench',
    benchOff: off ? { [off]: true } : undefined,
  });
  return () => worker.stop();
}

const stop = variant === 'bullmq' ? await bare() : await celerity();
process.stdout.write('WORKER_READY\n');
process.on('SIGTERM', () => {
  void stop().finally(() => process.exit(0));
});
