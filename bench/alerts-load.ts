import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The alerts bench's job load: no-op jobs at a fixed total rate (jobs/s,
 * added in 10 ms steps) spread over the given queues, each run by a plain
 * BullMQ worker (concurrency 50); one job in FAIL_EVERY fails, so the
 * failure-rate rules read real (low) rates. Finished jobs are kept (the last
 * KEEP per queue and state), as failure-rate rules need them.
 * Args: redis URL, prefix, comma-separated queues, rate. Prints ALERTS_LOAD_READY.
 */
const FAIL_EVERY = 100;
const KEEP = 20_000;
const [url, prefix, names, rate] = process.argv.slice(2) as [string, string, string, string];
const queues = names.split(',');
const connection = new Redis(url, { maxRetriesPerRequest: null });
let n = 0;
const workers = queues.map(
  (q) =>
    new Worker(
      q,
      async () => {
        if (++n % FAIL_EVERY === 0) throw new Error('bench failure');
        return null;
      },
      { connection, prefix, concurrency: 50 },
    ),
);
for (const w of workers) w.on('error', () => {});
await Promise.all(workers.map((w) => w.waitUntilReady()));
const producers = queues.map((q) => new Queue(q, { connection, prefix }));
const opts = { removeOnComplete: { count: KEEP }, removeOnFail: { count: KEEP } };
let running = true;
process.on('SIGTERM', () => {
  running = false;
});
process.stdout.write('ALERTS_LOAD_READY\n');
const perSecond = Number(rate);
const t0 = performance.now();
let sent = 0;
while (running) {
  const due = Math.floor(((performance.now() - t0) / 1000) * perSecond) - sent;
  if (due > 0) {
    await Promise.all(
      producers.map((p, i) => {
        const count = Math.floor(due / producers.length) + (i < due % producers.length ? 1 : 0);
        return count ? p.addBulk(Array.from({ length: count }, () => ({ name: 'noop', data: {}, opts }))) : undefined;
      }),
    );
    sent += due;
  }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all([...workers.map((w) => w.close()), ...producers.map((p) => p.close())]);
connection.disconnect();
process.exit(0);
