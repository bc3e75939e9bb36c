import { MetricsTime, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The live bench's worker: plain BullMQ, no-op jobs, concurrency 50, metrics
 * on (as Celerity's workers run) — the same process in every phase, with or
 * without the console. Args: redis URL, prefix, queue. Prints LIVE_WORKER_READY.
 */
const [url, prefix, queue] = process.argv.slice(2) as [string, string, string];
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(queue, async () => null, { connection, prefix, concurrency: 50, metrics: { maxDataPoints: MetricsTime.ONE_WEEK } });
worker.on('error', () => {});
await worker.waitUntilReady();
process.stdout.write('LIVE_WORKER_READY\n');
process.on('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
