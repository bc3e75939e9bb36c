import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isClusterUrl } from '../redis-url';
import { Queue, Worker } from 'bullmq';
import { getRedis, closeRedis, createRedis } from '../redis';
import { env } from '../env';
import { closeQueues } from './queue-registry';
import { InvalidError } from '../errors';
import { decodeCursor, encodeCursor, searchFinishedJobs, type SearchFilter } from './search-results';
import { parseResultsQuery, searchResults } from '../data/result-dto';
import { seedFinished } from '../../test/seed-finished';
import { uniqueName, waitFor } from '../../test/helpers';
import { bullKey, queueKeyPrefix } from '../keys';
import { bullQueueName } from './queue-names';

const prefix = () => env().CELERITY_PREFIX;
const A = uniqueName('results a');
const B = uniqueName('results-b');
const BASE = 1_700_000_000_000;

beforeAll(async () => {
  const redis = getRedis();
  // A: 300 completed named "alpha" (finished BASE+1 … BASE+300) and 100 failed named "beta" (BASE+1 … BASE+100).
  await seedFinished(redis, { prefix: prefix(), queue: A, state: 'completed', count: 300, finishedBase: BASE, name: 'alpha', idPrefix: 'c' });
  await seedFinished(redis, {
    prefix: prefix(),
    queue: A,
    state: 'failed',
    count: 100,
    finishedBase: BASE,
    name: 'beta',
    idPrefix: 'f',
    failedReason: 'Timeout talking to the Payment gateway',
  });
  // B: 50 completed "alpha" finishing at the SAME millisecond (ties across pages).
  await seedFinished(redis, { prefix: prefix(), queue: B, state: 'completed', count: 50, finishedBase: BASE + 1000, name: 'alpha', idPrefix: 'same' });
  await redis.eval(
    `for i = 1, 50 do redis.call('ZADD', KEYS[1], ARGV[1], 'same' .. i) redis.call('HSET', KEYS[2] .. 'same' .. i, 'finishedOn', ARGV[1]) end`,
    2,
    bullKey(B, 'completed'),
    queueKeyPrefix(B),
    BASE + 2000,
  );
});

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

const filter = (f: Partial<SearchFilter>): SearchFilter => ({ queues: [A, B], states: ['completed', 'failed'], ...f });

/** Follow cursors to the end; every page at most `limit` rows. `perSlot`: one Lua call per slot group, merged (as on a cluster). */
async function all(f: SearchFilter, limit: number, maxScan?: number, perSlot?: boolean) {
  const out: { queue: string; id: string; finishedAt: number }[] = [];
  let cursor = null;
  let calls = 0;
  do {
    const b = await searchFinishedJobs(getRedis(), f, { cursor, limit, maxScan, cell: 100, perSlot });
    expect(b.jobs.length).toBeLessThanOrEqual(limit);
    if (maxScan) expect(b.scanned).toBeLessThanOrEqual(maxScan);
    out.push(...b.jobs.map((j) => ({ queue: j.queue, id: j.id, finishedAt: j.finishedAt })));
    cursor = b.next;
    calls++;
  } while (cursor && calls < 1000);
  return { out, calls };
}

describe('searchFinishedJobs', () => {
  it('finds a job by a word in its error message, case-insensitively', async () => {
    const { rows } = await searchResults(parseResultsQuery(new URLSearchParams({ q: 'payment GATEWAY', state: 'failed' })));
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.state === 'failed' && r.name === 'beta' && r.error === 'Timeout talking to the Payment gateway')).toBe(true);
    // Newest first: f100, f99, …
    expect(rows.slice(0, 3).map((r) => r.id)).toEqual(['f100', 'f99', 'f98']);
    const none = await searchResults(parseResultsQuery(new URLSearchParams({ q: 'no such words anywhere' })));
    expect(none).toMatchObject({ rows: [], next: null });
  });

  it('finds text in the arguments and in the result', async () => {
    const byArgs = await searchFinishedJobs(getRedis(), filter({ q: '"i":137,' }), { limit: 10, cell: 100 });
    expect(byArgs.jobs.map((j) => `${j.queue}/${j.id}`)).toEqual([`${A}/c137`]);
    const byResult = await searchFinishedJobs(getRedis(), filter({ q: '{"i":299}' }), { limit: 10, cell: 100 });
    expect(byResult.jobs.map((j) => j.id)).toEqual(['c299']);
  });

  it('filters by task, state and finish time (inclusive)', async () => {
    const b = await searchFinishedJobs(getRedis(), filter({ queues: [A], task: 'alpha', from: BASE + 10, to: BASE + 19 }), { limit: 100, cell: 100 });
    expect(b.jobs.map((j) => j.id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${19 - i}`));
    expect(b.next).toBeNull();
    const failedOnly = await searchFinishedJobs(getRedis(), filter({ queues: [A], states: ['failed'], from: BASE + 95 }), { limit: 100, cell: 100 });
    expect(failedOnly.jobs.map((j) => j.id)).toEqual(['f100', 'f99', 'f98', 'f97', 'f96', 'f95']);
  });

  it('merges queues and states newest first, and its cursor neither skips nor repeats — even inside one millisecond', async () => {
    const { out } = await all(filter({}), 7);
    expect(out).toHaveLength(450);
    expect(new Set(out.map((r) => `${r.queue}/${r.id}`)).size).toBe(450);
    for (let i = 1; i < out.length; i++) expect(out[i - 1]!.finishedAt).toBeGreaterThanOrEqual(out[i]!.finishedAt);
    // The 50 jobs of B that share one millisecond come first, across several pages.
    expect(out.slice(0, 50).every((r) => r.queue === B && r.finishedAt === BASE + 2000)).toBe(true);
  });

  // On a cluster one call cannot cross the queues' slots, so there is nothing to compare with: the other tests check the merged order there.
  it.skipIf(isClusterUrl(inject('redisUrl')))(
    'gives the same sequence when each slot is searched by its own call and the answers are merged (a cluster)',
    async () => {
      // On one Redis every key is its own "slot" here (no hash tags): 4 sources, 4 calls per step, merged in Node.
      for (const [limit, maxScan] of [
        [1, undefined],
        [7, 5],
        [30, 40],
      ] as const) {
        const f = filter({});
        const one = await all(f, limit, maxScan, false);
        const merged = await all(f, limit, maxScan, true);
        expect(merged.out, `limit ${limit}, maxScan ${maxScan}`).toEqual(one.out);
        expect(merged.out).toHaveLength(450);
      }
      // With a filter most jobs fail: pages end at the slowest group's stopping point and still add up.
      const beta = await all(filter({ task: 'beta' }), 3, 8, true);
      expect(beta.out.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => `f${100 - i}`));
    },
  );

  it('bounds the work of one call and carries on from where it stopped', async () => {
    // "beta" matches only the failed jobs, which are the oldest of A: a call scanning 40 jobs finds none at first.
    const first = await searchFinishedJobs(getRedis(), filter({ queues: [A], task: 'beta' }), { limit: 10, maxScan: 40, cell: 100 });
    expect(first.scanned).toBe(40);
    expect(first.jobs).toEqual([]);
    expect(first.next).not.toBeNull();
    const { out, calls } = await all(filter({ queues: [A], task: 'beta' }), 10, 40);
    expect(out.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => `f${100 - i}`));
    expect(calls).toBeGreaterThan(5);
  });

  it('returns the cut values with their full size', async () => {
    const q = uniqueName('bigvals');
    await seedFinished(getRedis(), { prefix: prefix(), queue: q, state: 'completed', count: 1, finishedBase: BASE, pad: 'p'.repeat(5000) });
    const b = await searchFinishedJobs(getRedis(), { queues: [q], states: ['completed'] }, { limit: 5, cell: 64 });
    expect(b.jobs[0]!.data).toHaveLength(64);
    expect(b.jobs[0]!.dataBytes).toBeGreaterThan(5000);
  });

  it('searches jobs that a real BullMQ worker finished', async () => {
    const name = uniqueName('real');
    const queue = new Queue(bullQueueName(name), { connection: getRedis(), prefix: prefix() });
    const conn = createRedis('blocking');
    const w = new Worker(
      bullQueueName(name),
      async (job) => {
        if (job.data.fail) throw new Error(`Widget ${job.data.n} exploded`);
        return { ok: job.data.n };
      },
      { connection: conn, prefix: prefix() },
    );
    await queue.addBulk([
      { name: 'boom', data: { fail: true, n: 1 } },
      { name: 'fine', data: { n: 2 } },
    ]);
    await waitFor(
      'both finished',
      () => queue.getJobCounts('completed', 'failed'),
      (c) => c.completed === 1 && c.failed === 1,
    );
    const { rows } = await searchResults(parseResultsQuery({ q: 'exploded', queue: name }));
    expect(rows.map((r) => [r.name, r.state, r.error])).toEqual([['boom', 'failed', 'Widget 1 exploded']]);
    await w.close();
    conn.disconnect();
    await queue.close();
  });
});

describe('results query', () => {
  it('parses dates as ISO or milliseconds and refuses nonsense with the field named', () => {
    expect(parseResultsQuery({ from: '2024-01-02T03:04:05Z', to: '1704165000000' })).toMatchObject({
      from: Date.parse('2024-01-02T03:04:05Z'),
      to: 1704165000000,
    });
    for (const [k, v, field] of [
      ['from', 'yesterday', 'from'],
      ['state', 'active', 'state'],
      ['limit', 'ten', 'limit'],
      ['format', 'xml', 'format'],
    ] as const) {
      const err = (() => {
        try {
          parseResultsQuery({ [k]: v });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidError);
      expect((err as InvalidError).field).toBe(field);
    }
    expect(() => parseResultsQuery({ from: '2024-02-01T00:00:00Z', to: '2024-01-01T00:00:00Z' })).toThrow(/from must not be after to/);
  });

  it('round-trips a cursor and refuses a forged one', () => {
    const c = { score: BASE, skips: { [`completed:${A}`]: 3 } };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('not-a-cursor')).toThrow(InvalidError);
    expect(() => decodeCursor(Buffer.from('{"score":"x"}').toString('base64url'))).toThrow(InvalidError);
  });

  it('says when a named queue does not exist', async () => {
    await expect(searchResults(parseResultsQuery({ queue: 'nope-queue' }))).rejects.toThrow(/not found/);
  });
});
