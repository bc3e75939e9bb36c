import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The live bench's producer of no-op jobs at a fixed rate (jobs/s, added in
 * 10 ms steps; removed when done, so Redis stays the same size however long
 * it runs). Args: redis URL, prefix, queue, rate. Prints PRODUCER_READY.
 */
const [url, prefix, queueName, rate] = process.argv.slice(2) as [string, string, string, string];
const connection = new Redis(url, { maxRetriesPerRequest: null });
const queue = new Queue(queueName, { connection, prefix });
const opts = { removeOnComplete: true, removeOnFail: true };
let running = true;
process.on('SIGTERM', () => {
  running = false;
});
process.stdout.write('PRODUCER_READY\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const perSecond = Number(rate);
const t0 = performance.now();
let sent = 0;
while (running) {
  const due = Math.floor(((performance.now() - t0) / 1000) * perSecond) - sent;
  if (due > 0) {
    await queue.addBulk(Array.from({ length: due }, () => ({ name: 'noop', data: {}, opts })));
    sent += due;
  }
  await sleep(10);
}
await queue.close();
connection.disconnect();
process.exit(0);
