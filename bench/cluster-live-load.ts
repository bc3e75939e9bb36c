import { Queue, Worker } from 'bullmq';
import { createRedis } from '../lib/redis';

/**
 * The cluster live bench's load (bench/cluster-live.ts): a no-op BullMQ worker per queue
 * (concurrency 10) and a producer adding `rate` jobs/s spread evenly over the queues
 * (addBulk per queue every 10 ms; removed when done). Args: redis URL (redis:// or
 * redis+cluster://), prefix, rate, BullMQ queue names comma-separated. Prints LOAD_READY.
 */
const [url, prefix, rate, names] = process.argv.slice(2) as [string, string, string, string];
const queues = names.split(',');
const connection = createRedis('command', url);
const blocking = createRedis('blocking', url);
const producers = queues.map((q) => new Queue(q, { connection, prefix }));
const workers = queues.map((q) => new Worker(q, async () => null, { connection: blocking, prefix, concurrency: 10 }));
for (const w of workers) w.on('error', () => {});
await Promise.all(workers.map((w) => w.waitUntilReady()));
let running = true;
process.on('SIGTERM', () => {
  running = false;
});
process.stdout.write('LOAD_READY\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { removeOnComplete: true, removeOnFail: true };
const perSecond = Number(rate);
const t0 = performance.now();
let sent = 0;
while (running) {
  const due = Math.floor(((performance.now() - t0) / 1000) * perSecond) - sent;
  if (due >= queues.length) {
    const each = Math.floor(due / queues.length);
    await Promise.all(producers.map((p) => p.addBulk(Array.from({ length: each }, () => ({ name: 'noop', data: {}, opts })))));
    sent += each * queues.length;
  }
  await sleep(10);
}
await Promise.all(workers.map((w) => w.close()));
await Promise.all(producers.map((p) => p.close()));
connection.disconnect();
blocking.disconnect();
process.exit(0);
