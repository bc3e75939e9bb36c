import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { bareWorker, serveWorker, type StopWorker } from './worker-process';

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

async function celerity(): Promise<StopWorker> {
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

await serveWorker(() => (variant === 'bullmq' ? bareWorker(queue, CONCURRENCY) : celerity()));
