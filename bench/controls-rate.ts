import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ADMITTED_FIELD, RESTAMPED_FIELD, START_MARGIN_MS } from '../lib/limits/throttle-gate';
import { percentile, startTs, ROOT } from './support';
import { CHILD_PATH, PREFIX } from './controls-throughput';
import { drained, fillPaused } from './support';

/**
 * The controls bench's accuracy runs: a task with `rateLimit: '<limit>/s'` on
 * three worker processes (concurrency 50 each), `limit × (seconds + 1)` jobs
 * queued at once, run to the end. Every job's start is its handler's own
 * Date.now() (its result; one machine, one clock) — what the limit must hold
 * for — and its admission by the gate (Redis's clock) is read from its hash.
 */

export const RATE_SECONDS = Number(process.env.BENCH_CONTROLS_RATE_SECONDS ?? 30);
const WORKERS = 3;

export interface RateRun {
  limit: number;
  jobs: number;
  /** Handler starts per second after the first `limit` (which may all start at once): (jobs − limit) / span. */
  rate: number;
  /** The most handler starts in any window of one second, wherever it begins. */
  maxHandlerStarts: number;
  /** The same for the gate's admissions. */
  maxAdmissions: number;
  /** Handler start − admission, ms: p99 and max. */
  lagP99: number;
  lagMax: number;
  spanMs: number;
  /** Jobs whose admission reached their worker later than the margin: their start moved in the log. */
  restamped: number;
  /** Sliding seconds holding more handler starts than the limit (counted once per first start). */
  crowded: number;
  /** Of those, the ones holding no handler that started later than the margin after its start in the log (none is expected). */
  unexplained: number;
}

interface Start {
  start: number;
  admitted: number;
  /** When the log moved its start (a late reply), if it did. */
  restamped?: number;
}

/** Started later than the margin after the time the log counts its start from: only the OS's scheduling does that. */
const ranLate = (r: Start) => r.start - (r.restamped ?? r.admitted) > START_MARGIN_MS;

/** Sliding seconds (from each start) holding more than `limit` handler starts, and those with no late handler in them. */
function crowdedSeconds(runs: Start[], limit: number): { crowded: number; unexplained: number } {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  let crowded = 0;
  let unexplained = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]!.start < sorted[i]!.start + 1000) j++;
    if (j - i <= limit) continue;
    crowded++;
    if (!sorted.slice(i, j).some(ranLate)) unexplained++;
  }
  return { crowded, unexplained };
}

/** The most of `times` in any half-open window [t, t + ms). */
export function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= ms) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Every completed job's handler start (its result) and admission (its hash). */
async function startsOf(redis: Redis, queue: Queue): Promise<Start[]> {
  const ids = await redis.zrange(queue.keys.completed!, 0, -1);
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hmget(queue.toKey(id), 'returnvalue', ADMITTED_FIELD, RESTAMPED_FIELD);
  const rows = (await pipe.exec())!.map(([, v]) => v as [string, string, string | null]);
  return rows.map(([ret, admitted, restamped]) => ({
    start: Number(JSON.parse(ret)),
    admitted: Number(admitted),
    ...(restamped === null ? {} : { restamped: Number(restamped) }),
  }));
}

/** One accuracy run of `limit`/s on its own queue; `tree`: the checkout whose workers run (another commit's worktree, to compare). */
export async function rateOnce(redis: Redis, url: string, limit: number, name: string, tree = ROOT): Promise<RateRun> {
  const jobs = limit * (RATE_SECONDS + 1);
  const queue = new Queue(name, { connection: redis, prefix: PREFIX });
  await fillPaused(queue, jobs);
  const children = Array.from({ length: WORKERS }, () =>
    startTs(path.join(tree, CHILD_PATH), { REDIS_URL: url, CELERITY_PREFIX: PREFIX }, /WORKER_READY/, ['celerity-rate', name, `${limit}/s`], tree),
  );
  try {
    await Promise.all(children.map((c) => c.ready));
    await queue.resume();
    await drained(redis, queue, jobs, 200);
    const runs = await startsOf(redis, queue);
    if (runs.some((r) => !Number.isFinite(r.start) || !Number.isFinite(r.admitted))) throw new Error(`a job of ${name} has no start or admission`);
    const starts = runs.map((r) => r.start);
    const spanMs = Math.max(...starts) - Math.min(...starts);
    const lag = runs.map((r) => r.start - r.admitted);
    return {
      limit,
      jobs,
      rate: ((jobs - limit) / spanMs) * 1000,
      maxHandlerStarts: maxInWindow(starts, 1000),
      maxAdmissions: maxInWindow(
        runs.map((r) => r.admitted),
        1000,
      ),
      lagP99: percentile(lag, 99),
      lagMax: Math.max(...lag),
      spanMs,
      restamped: runs.filter((r) => r.restamped !== undefined).length,
      ...crowdedSeconds(runs, limit),
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await queue.close();
    await redis.flushall();
  }
}
