import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { percentile, startTs, ROOT } from './support';

/**
 * The controls bench's throughput runs: N no-op jobs added to a paused queue,
 * one fresh worker process (bench/controls-child.ts, concurrency 50) started on
 * it, the queue resumed, timed from the resume to the last job's finishedOn —
 * the worker section's method (bench/worker-throughput.ts), with the variants
 * this section compares.
 */

export const JOBS = Number(process.env.BENCH_CONTROLS_JOBS ?? 20_000);
export const PREFIX = 'bench';
export const CHILD = path.join(ROOT, 'bench/controls-child.ts');
/** A per-task rate far above what one worker process completes (~10k jobs/s here). */
export const FAR_RATE = '100000/s';

/** Add `n` no-op jobs to `queue`, paused (a worker started on it takes nothing until the resume). */
export async function fillPaused(queue: Queue, n: number): Promise<void> {
  await queue.pause();
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: 'hello', data: {} })));
  }
}

/** Wait until `n` jobs completed (none may fail); the last finishedOn. */
export async function drained(redis: Redis, queue: Queue, n: number, pollMs = 20): Promise<number> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const [done, failed] = await Promise.all([redis.zcard(queue.keys.completed!), redis.zcard(queue.keys.failed!)]);
    if (failed > 0) throw new Error(`${failed} jobs failed on ${queue.name}`);
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${n} jobs completed on ${queue.name}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const [, score] = await redis.zrange(queue.keys.completed!, -1, -1, 'WITHSCORES');
  return Number(score);
}

/** One run of `variant` on its own queue: jobs per second. */
export async function throughputOnce(redis: Redis, url: string, variant: string, name: string): Promise<number> {
  const queue = new Queue(name, { connection: redis, prefix: PREFIX });
  await fillPaused(queue, JOBS);
  const child = startTs(CHILD, { REDIS_URL: url, CELERITY_PREFIX: PREFIX }, /WORKER_READY/, [variant, name, FAR_RATE]);
  try {
    await child.ready;
    const t0 = Date.now();
    await queue.resume();
    return (JOBS / ((await drained(redis, queue, JOBS)) - t0)) * 1000;
  } finally {
    await child.stop();
    await queue.close();
    await redis.flushall();
  }
}

export const median = (xs: number[]) => percentile(xs, 50);
