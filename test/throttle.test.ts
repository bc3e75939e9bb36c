import { beforeAll, describe, expect, it } from 'vitest';
import { bullKey } from '@/lib/keys';
import { ADMITTED_FIELD, RESTAMPED_FIELD, START_MARGIN_MS } from '@/lib/limits/throttle-gate';
import { readCatalogueEntry } from '@/lib/registry/catalogue';
import { maxInWindow, streamEvents, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { taskWorkerProcess } from './fixtures/task-worker-process';
import { THROTTLE_QUEUE, type ThrottleRun } from './fixtures/throttle-tasks';

/**
 * Task rate limits and concurrency (issue 16) across three worker PROCESSES on
 * one queue: the budget is in Redis, not in a process. Every job's start is
 * read from its result (its handler's own start and end: what the limit must
 * hold for) and from Redis (the time the gate admitted it, Redis's clock), and
 * checked window by window. Nothing sleeps: each test waits for its jobs' completion.
 */
const stack = queueStack();
const { redis } = stack;
const queue = stack.queue(THROTTLE_QUEUE);
const WORKERS = 3;
/** How long the 5/s run lasts: 30 s (the issue asks for at least that); THROTTLE_TEST_SECONDS for another span. */
const RATE_SECONDS = Number(process.env.THROTTLE_TEST_SECONDS ?? 30);

const throttleWorker = (): Proc => taskWorkerProcess(stack, 'test/fixtures/throttle-tasks.ts', ['--concurrency', '5']);

beforeAll(async () => {
  const procs = Array.from({ length: WORKERS }, throttleWorker);
  await Promise.all(procs.map((p) => p.waitForOutput(/worker ready/, 90_000)));
}, 120_000);

interface Ran extends ThrottleRun {
  id: string;
  /** When the gate admitted it (ms, Redis's clock); absent for a task without a throttle. */
  admitted?: number;
  /** When Redis got word that its handler started late, if it did (the log counts the start from then). */
  restamped?: number;
}

/**
 * Add one job of `task` per data item, wait until all of them completed (none may fail), and read each one's run.
 * A throttled task's runs are read once each has its admission recorded (a leased start's comes with its lease's
 * settling, up to its hand-out time after the start: lib/limits/start-lease.ts).
 */
async function runAll(task: string, data: object[], timeoutMs: number, throttled = true): Promise<Ran[]> {
  const jobs = await queue.addBulk(data.map((d) => ({ name: task, data: d })));
  const ids = jobs.map((j) => j.id!);
  await waitFor(
    `${ids.length} ${task} jobs to finish`,
    async () => (await Promise.all(ids.map((id) => queue.getJobState(id)))).filter((s) => s === 'completed' || s === 'failed'),
    (done) => done.length === ids.length,
    timeoutMs,
  );
  if (throttled) {
    await waitFor(
      'every admission recorded',
      () => Promise.all(ids.map((id) => redis.hget(bullKey(THROTTLE_QUEUE, id), ADMITTED_FIELD))),
      (stamps) => stamps.every((s) => s !== null),
    );
  }
  return Promise.all(
    ids.map(async (id) => {
      const job = (await queue.getJob(id))!;
      expect(job.failedReason, `job ${id} failed`).toBeUndefined();
      const [admitted, restamped] = await redis.hmget(bullKey(THROTTLE_QUEUE, id), ADMITTED_FIELD, RESTAMPED_FIELD);
      const stamps = { ...(admitted ? { admitted: Number(admitted) } : {}), ...(restamped ? { restamped: Number(restamped) } : {}) };
      return { id, ...(job.returnvalue as ThrottleRun), ...stamps };
    }),
  );
}

/** The most runs overlapping at any instant (an end at t frees the slot for a start at t). */
function maxOverlap(runs: { start: number; end: number }[]): number {
  const edges = runs.flatMap((r) => [
    [r.start, 1],
    [r.end, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let best = 0;
  for (const [, d] of edges) best = Math.max(best, (now += d!));
  return best;
}

/** How many times the queue's jobs were moved to delayed (held by a limit: these tasks have no retries). */
async function delayedEvents(ids: Set<string>): Promise<number> {
  return (await streamEvents(redis, THROTTLE_QUEUE)).filter((e) => e.event === 'delayed' && ids.has(e.jobId!)).length;
}

/** Every sliding second (from one start to the next 1000 ms) holding more than `limit` handler starts. */
function crowdedSeconds<T extends { start: number }>(runs: T[], limit: number): T[][] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const out: T[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted.filter((r) => r.start >= sorted[i]!.start && r.start < sorted[i]!.start + 1000);
    if (w.length > limit) out.push(w);
  }
  return out;
}

/** Its handler started later than the margin after the time the log counts its start from. */
const ranLate = (r: Ran) => r.start - (r.restamped ?? r.admitted!) > START_MARGIN_MS;

/** The p-th percentile (0–100) of numbers, nearest rank. */
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

describe('task rate limit across worker processes', () => {
  it(
    '5/s: no sliding second holds more than 5 recorded starts, nor more than 5 handler starts unless a handler ran late after its check, the limit is used (the average start rate at least 80 % of it), none fails',
    async () => {
      const N = 5 * (RATE_SECONDS + 1);
      const runs = await runAll(
        'throttle.rate',
        Array.from({ length: N }, () => ({})),
        (RATE_SECONDS + 30) * 1000,
      );
      // Each job's recorded start (its admission, in its hash): no window of the rate's length plus the start
      // margin holds more than 5, so no sliding second does either.
      const admitted = runs.map((r) => r.admitted!);
      expect(admitted.every(Number.isFinite)).toBe(true);
      expect(maxInWindow(admitted, 1000 + START_MARGIN_MS)).toBeLessThanOrEqual(5);
      // The handlers' own starts (their Date.now(); one machine, one clock): each after its admission, and handed
      // to its handler within the margin of it, or of the time the log moved it to (a late reply), so a second
      // holds more than 5 only if the OS kept a worker process from running between that check and its handler's
      // first line for longer than the margin (seen on this 2-core machine under a load average of 11+). Any other
      // excess fails here.
      const lag = runs.map((r) => r.start - r.admitted!);
      expect(Math.min(...lag)).toBeGreaterThanOrEqual(0);
      const crowded = crowdedSeconds(runs, 5);
      console.info(
        `handler start − admission p50/p99/max ${[50, 99, 100].map((p) => percentile(lag, p)).join('/')} ms; moved in the log: ${runs.filter((r) => r.restamped).length}; seconds with more than 5 handler starts: ${crowded.length}`,
      );
      for (const w of crowded) expect(w.some(ranLate), JSON.stringify(w)).toBe(true);
      const starts = runs.map((r) => r.start);
      // After the first 5 (all at once), each further start needs its own fifth of a second.
      const span = Math.max(...starts) - Math.min(...starts);
      const rate = ((N - 5) / span) * 1000;
      console.info(`5/s over ${span} ms: ${rate.toFixed(2)} handler starts/s`);
      // The limit is used, not withheld (a starved machine slows the starts, so the 95 % target is measured by
      // `npm run bench -- controls`, not asserted here).
      expect(rate).toBeGreaterThanOrEqual(0.8 * 5);
      expect(new Set(runs.map((r) => r.pid)).size).toBeGreaterThan(1);
      expect(await delayedEvents(new Set(runs.map((r) => r.id)))).toBeGreaterThan(0);
    },
    (RATE_SECONDS + 60) * 1000,
  );

  it('100/s, where workers lease starts while the log is under half the limit: no window holds more than 100 recorded starts, nor a second more than 100 handler starts unless a handler ran late', async () => {
    const runs = await runAll(
      'throttle.rate-fast',
      Array.from({ length: 250 }, () => ({})),
      60_000,
    );
    expect(
      maxInWindow(
        runs.map((r) => r.admitted!),
        1000 + START_MARGIN_MS,
      ),
    ).toBeLessThanOrEqual(100);
    const lag = runs.map((r) => r.start - r.admitted!);
    expect(Math.min(...lag)).toBeGreaterThanOrEqual(0);
    const crowded = crowdedSeconds(runs, 100);
    console.info(
      `100/s: handler start − admission p50/p99/max ${[50, 99, 100].map((p) => percentile(lag, p)).join('/')} ms; seconds with more than 100 handler starts: ${crowded.length}`,
    );
    for (const w of crowded) expect(w.some(ranLate), JSON.stringify(w.filter(ranLate))).toBe(true);
    // Three budgets' worth: the limit held them back (the test would pass with no gate otherwise).
    expect(await delayedEvents(new Set(runs.map((r) => r.id)))).toBeGreaterThan(0);
    expect(
      maxInWindow(
        runs.map((r) => r.start),
        1000,
      ),
    ).toBeGreaterThan(50);
  }, 90_000);

  it('per key: each customer has its own 5/s budget', async () => {
    const data = Array.from({ length: 30 }, (_, i) => ({ customerId: i % 2 ? 'acme' : 'globex' }));
    const runs = await runAll('throttle.rate-key', data, 60_000);
    for (const customer of ['acme', 'globex']) {
      const mine = runs.filter((r) => r.customerId === customer);
      expect(mine).toHaveLength(15);
      expect(
        maxInWindow(
          mine.map((r) => r.admitted!),
          1000 + START_MARGIN_MS,
        ),
        customer,
      ).toBeLessThanOrEqual(5);
      for (const w of crowdedSeconds(mine, 5)) expect(w.some(ranLate), JSON.stringify(w)).toBe(true);
    }
    // Two budgets at once: together more than one budget's worth started in a second.
    expect(
      maxInWindow(
        runs.map((r) => r.start),
        1000,
      ),
    ).toBeGreaterThan(5);
  }, 90_000);
});

describe('task concurrency across worker processes', () => {
  it('global 2: never more than 2 running at once, from every run’s start and end; the limit is reached; none fails', async () => {
    const runs = await runAll(
      'throttle.global',
      Array.from({ length: 20 }, () => ({ ms: 150 })),
      60_000,
    );
    expect(maxOverlap(runs)).toBe(2);
    expect(new Set(runs.map((r) => r.pid)).size).toBeGreaterThan(1);
    expect(await delayedEvents(new Set(runs.map((r) => r.id)))).toBeGreaterThan(0);
  }, 90_000);

  it('per key 1: one running per customer, the two customers at the same time', async () => {
    const data = Array.from({ length: 16 }, (_, i) => ({ ms: 150, customerId: i % 2 ? 'acme' : 'globex' }));
    const runs = await runAll('throttle.per-key', data, 60_000);
    for (const customer of ['acme', 'globex']) expect(maxOverlap(runs.filter((r) => r.customerId === customer)), customer).toBe(1);
    expect(maxOverlap(runs)).toBe(2);
  }, 90_000);

  it('publishes each task’s throttle in the catalogue, for the console', async () => {
    expect((await readCatalogueEntry(redis, 'throttle.rate-key'))?.throttle).toEqual({ rateLimit: '5/s', rateKeyArgs: ['customerId'] });
    expect((await readCatalogueEntry(redis, 'throttle.per-key'))?.throttle).toEqual({ concurrency: { perKey: 1, keyArgs: ['customerId'] } });
    expect((await readCatalogueEntry(redis, 'throttle.free'))?.throttle).toBeUndefined();
  });

  it('a task without a throttle passes no gate (nothing recorded in its jobs)', async () => {
    const runs = await runAll('throttle.free', [{}, {}], 30_000, false);
    expect(runs.map((r) => r.admitted)).toEqual([undefined, undefined]);
  }, 60_000);
});
