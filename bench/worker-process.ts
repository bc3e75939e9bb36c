import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

/** What a bench worker process returns once it takes jobs: how to stop it. */
export type StopWorker = () => Promise<unknown>;

/** A bare BullMQ Worker with default options, the processor returning at once (REDIS_URL, CELERITY_PREFIX). */
export async function bareWorker(queue: string, concurrency: number): Promise<StopWorker> {
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  const worker = new Worker(queue, async () => 'hello world', { connection, prefix: process.env.CELERITY_PREFIX, concurrency });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return () => worker.close().then(() => connection.quit());
}

/** Start the worker, print WORKER_READY (what the benches wait for), stop it on SIGTERM and exit. */
export async function serveWorker(start: () => Promise<StopWorker>): Promise<void> {
  const stop = await start();
  process.stdout.write('WORKER_READY\n');
  process.on('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}
