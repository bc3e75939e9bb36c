import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { drainRun, fillPaused, percentile, startTs, ROOT } from './support';

/**
 * The controls bench's throughput runs: N no-op jobs added to a paused queue,
 * one fresh worker process (bench/controls-child.ts, concurrency 50) started on
 * it, the queue resumed, timed from the resume to the last job's finishedOn —
 * the worker section's method (bench/worker-throughput.ts), with the variants
 * this section compares.
 */

export const JOBS = Number(process.env.BENCH_CONTROLS_JOBS ?? 20_000);
export const PREFIX = 'bench';
/** The worker process, relative to a checkout. */
export const CHILD_PATH = 'bench/controls-child.ts';
/** A per-task rate far above what one worker process completes (~10k jobs/s here). */
export const FAR_RATE = '100000/s';

/** One throughput run: jobs/s, and what each job cost (steadier than jobs/s on a shared machine). */
export interface ThroughputRun {
  jobsPerSec: number;
  /** Redis commands per job (a script's own calls included; EVALSHA counted too). */
  commands: number;
  /** Script calls (EVALSHA) per job. */
  scripts: number;
  /** Redis CPU per job, µs (its process's user + system CPU over the run: INFO cpu). */
  redisUs: number;
  /** The worker process's CPU per job, µs (user + system, /proc). */
  workerUs: number;
}

/** One run of `variant` on its own queue: jobs per second and the cost per job. */
/** `tree`: the checkout whose worker runs (another commit's worktree, to compare side by side). */
export async function throughputOnce(redis: Redis, url: string, variant: string, name: string, tree = ROOT): Promise<ThroughputRun> {
  const queue = new Queue(name, { connection: redis, prefix: PREFIX });
  await fillPaused(queue, JOBS);
  const child = startTs(path.join(tree, CHILD_PATH), { REDIS_URL: url, CELERITY_PREFIX: PREFIX }, /WORKER_READY/, [variant, name, FAR_RATE], tree);
  try {
    await child.ready;
    const run = await drainRun(redis, queue, child.proc.pid!, JOBS);
    return {
      jobsPerSec: run.jobsPerSec,
      commands: [...run.commands.values()].reduce((a, b) => a + b, 0),
      scripts: run.commands.get('evalsha') ?? 0,
      redisUs: run.redisUs,
      workerUs: run.workerUs,
    };
  } finally {
    await child.stop();
    await queue.close();
    await redis.flushall();
  }
}

export const median = (xs: number[]) => percentile(xs, 50);
