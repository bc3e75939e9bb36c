import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import type { RedisConnection } from '@/lib/redis';
import { enterThrottle } from '@/lib/limits/job-throttle';
import { admit, admitAndLease, gateKeys, release, settleLease, withdraw, ADMITTED_FIELD, RESTAMPED_FIELD, START_MARGIN_MS } from '@/lib/limits/throttle-gate';
import { describeHeld, heldRecord } from '@/lib/limits/held-record';
import { bullKey } from '@/lib/keys';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The throttle gate's script on real Redis, one call at a time (test/throttle.test.ts runs it
 * under worker processes). A job's lock key stands for a running job, as BullMQ's is.
 */
const { redis } = queueStack();
const CONC = { concurrencyRetryMs: 250 };

/** A job hash and lock on `queue`, as BullMQ has them for an active job. */
async function activeJob(queue: string, id: string): Promise<void> {
  await redis.hset(bullKey(queue, id), 'name', 't');
  await redis.set(bullKey(queue, `${id}:lock`), 'token', 'PX', 30_000);
}

async function fields(queue: string, id: string): Promise<[string, string][]> {
  return Object.entries(await redis.hgetall(bullKey(queue, id)));
}

describe('throttle gate', () => {
  it('rate: admits up to the limit in a window, then holds with the wait and the reason in the job', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 2, windowMs: 1000 } };
    const answers = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      await activeJob(queue, id);
      answers.push(await admit(redis, queue, id, gateKeys(queue, 't', id), limits));
    }
    expect(answers.map((a) => a.admitted)).toEqual([true, true, false, false, false]);
    const [c, , e] = answers.slice(2) as { waitMs: number; reason: string }[];
    expect(c).toMatchObject({ reason: 'rate' });
    expect(c!.waitMs).toBeGreaterThan(0);
    // The log's window is the rate's plus the start margin (handlers start up to that much after admission).
    const W = 1000 + START_MARGIN_MS;
    expect(c!.waitMs).toBeGreaterThan(START_MARGIN_MS);
    expect(c!.waitMs).toBeLessThanOrEqual(W);
    // Two slots free a window after a and b: c and d get them; e, third in line, a window later.
    expect(heldRecord(await fields(queue, 'd'))!.until).toBeGreaterThanOrEqual(heldRecord(await fields(queue, 'c'))!.until);
    expect(e!.waitMs).toBeGreaterThan(W);
    expect(e!.waitMs).toBeLessThanOrEqual(2 * W);
    const held = heldRecord(await fields(queue, 'c'))!;
    expect(held.reason).toBe('rate');
    expect(describeHeld(held)).toMatch(/^rate-limited, may run at \d{4}-/);
    expect(heldRecord(await fields(queue, 'a'))).toBeUndefined();
    expect(Number(await redis.hget(bullKey(queue, 'a'), ADMITTED_FIELD))).toBeGreaterThan(0);
  });

  it('rate: a withdrawn start frees its place in the window and its concurrency slot', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 1, windowMs: 60_000 }, global: 1 };
    for (const id of ['a', 'b']) await activeJob(queue, id);
    const a = await admit(redis, queue, 'a', gateKeys(queue, 't', 'a'), limits);
    expect(a.admitted).toBe(true);
    expect((await admit(redis, queue, 'b', gateKeys(queue, 't', 'b'), limits)).admitted).toBe(false);
    await withdraw(redis, 'a', gateKeys(queue, 't', 'a'), (a as { member: string }).member);
    expect(await redis.hget(bullKey(queue, 'a'), ADMITTED_FIELD)).toBeNull();
    expect((await admit(redis, queue, 'b', gateKeys(queue, 't', 'b'), limits)).admitted).toBe(true);
  });

  it('rate: asking again with the late start given back replaces it instead of counting twice', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 1, windowMs: 60_000 } };
    await activeJob(queue, 'a');
    const first = await admit(redis, queue, 'a', gateKeys(queue, 't', 'a'), limits);
    expect(first.admitted).toBe(true);
    const again = await admit(redis, queue, 'a', gateKeys(queue, 't', 'a'), limits, (first as { member: string }).member);
    expect(again.admitted).toBe(true);
    expect(await redis.zcard(gateKeys(queue, 't', 'a').rateLog)).toBe(1);
  });

  /** `redis` whose first `slow` replies to EVALSHA reach the caller `delayMs` late (a slow network, a busy event loop). */
  function lateReplies(slow: number, delayMs: number): RedisConnection {
    return new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop !== 'evalsha') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<typeof redis.evalsha>) => {
          const reply = await target.evalsha(...args);
          if (slow-- > 0) await new Promise((r) => setTimeout(r, delayMs));
          return reply;
        };
      },
    }) as RedisConnection;
  }
  const job = { id: 'a', name: 't' } as Job;

  it('worker: an admission whose reply comes later than the margin moves its start in the log to when the handler starts', async () => {
    const queue = uniqueName('gate');
    await activeJob(queue, 'a');
    const entry = await enterThrottle(lateReplies(1, 3 * START_MARGIN_MS), queue, job, 'token', { rate: { limit: 1, windowMs: 60_000, text: '1/m' } }, {});
    expect(entry.held).toBe(false);
    // Not moved until the hand-over (the processor calls this right before the handler).
    expect(await redis.hget(bullKey(queue, 'a'), RESTAMPED_FIELD)).toBeNull();
    if (!entry.held) entry.starting();
    const restamped = Number(
      await waitFor(
        'the restamp',
        () => redis.hget(bullKey(queue, 'a'), RESTAMPED_FIELD),
        (v) => v !== null,
      ),
    );
    const admitted = Number(await redis.hget(bullKey(queue, 'a'), ADMITTED_FIELD));
    expect(restamped - admitted).toBeGreaterThanOrEqual(3 * START_MARGIN_MS - 2);
    // One start in the log, at its new time.
    expect(await redis.zrange(gateKeys(queue, 't', 'a').rateLog, 0, -1, 'WITHSCORES')).toEqual([`a:${restamped}`, String(restamped)]);
  });

  it('worker: an admission later than half a window is given back and asked for again; the start is counted once', async () => {
    const queue = uniqueName('gate');
    await activeJob(queue, 'a');
    const first = Date.now();
    const rate = { limit: 1, windowMs: 100, text: '10/s' };
    const entry = await enterThrottle(lateReplies(1, 60), queue, job, 'token', { rate }, {});
    expect(entry.held).toBe(false);
    const log = await redis.zrange(gateKeys(queue, 't', 'a').rateLog, 0, -1, 'WITHSCORES');
    expect(log).toHaveLength(2);
    expect(Number(log[1])).toBeGreaterThanOrEqual(first + 60 - 2);
    // The log's start is the second admission's (moved, should that reply have been late too).
    const [admitted, restamped] = await redis.hmget(bullKey(queue, 'a'), ADMITTED_FIELD, RESTAMPED_FIELD);
    expect(Number(restamped ?? admitted)).toBe(Number(log[1]));
  });

  it('lease: granted with a batch while the log stays within half the limit; its starts are in the log under the names asked for', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 100, windowMs: 60_000 } };
    const keys = gateKeys(queue, 't', 'x');
    const first = await admitAndLease(redis, queue, keys, limits, [], { want: 30, prefix: 'lease:p:1' });
    expect(first.lease.granted).toBe(30);
    const log = await redis.zrange(keys.rateLog, 0, -1, 'WITHSCORES');
    expect(log.filter((_, i) => i % 2 === 0).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `lease:p:1:${i + 1}`).sort());
    expect(log.filter((_, i) => i % 2 === 1).every((at) => Number(at) === first.lease.at)).toBe(true);
    // 15 admitted in the batch, then a lease only up to half the limit: 50 − 45.
    await Promise.all(Array.from({ length: 15 }, (_, i) => activeJob(queue, `j${i}`)));
    const asks = Array.from({ length: 15 }, (_, i) => ({ jobId: `j${i}`, jobKey: bullKey(queue, `j${i}`) }));
    const second = await admitAndLease(redis, queue, keys, limits, asks, { want: 30, prefix: 'lease:p:2' });
    expect(second.answers.every((a) => a.admitted)).toBe(true);
    expect(second.lease.granted).toBe(5);
    expect(await redis.zcard(keys.rateLog)).toBe(50);
    // At half the limit: none.
    expect((await admitAndLease(redis, queue, keys, limits, [], { want: 10, prefix: 'lease:p:3' })).lease.granted).toBe(0);
  });

  it('lease: none while a job waits for the rate, nor for a budget with a concurrency limit', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 4, windowMs: 60_000 } };
    for (const id of ['a', 'b', 'c']) await activeJob(queue, id);
    const keys = gateKeys(queue, 't', 'x');
    // Over a tiny limit: a and b fill it, c waits.
    for (const id of ['a', 'b']) await admit(redis, queue, id, gateKeys(queue, 't', id), { ...limits, rate: { limit: 2, windowMs: 60_000 } });
    expect((await admit(redis, queue, 'c', gateKeys(queue, 't', 'c'), { ...limits, rate: { limit: 2, windowMs: 60_000 } })).admitted).toBe(false);
    expect(
      (await admitAndLease(redis, queue, keys, { ...limits, rate: { limit: 100, windowMs: 60_000 } }, [], { want: 10, prefix: 'lease:w:1' })).lease.granted,
    ).toBe(0);
    const other = uniqueName('gate');
    const withSlots = { ...CONC, rate: { limit: 100, windowMs: 60_000 }, global: 10 };
    expect((await admitAndLease(redis, other, gateKeys(other, 't', 'x'), withSlots, [], { want: 10, prefix: 'lease:w:2' })).lease.granted).toBe(0);
  });

  it('lease: settling gives back the starts not handed out and records the instant as the takers’ admission, not recreating a removed job', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 100, windowMs: 60_000 } };
    const keys = gateKeys(queue, 't', 'x');
    const { lease } = await admitAndLease(redis, queue, keys, limits, [], { want: 5, prefix: 'lease:s:1' });
    await activeJob(queue, 'a');
    await settleLease(redis, keys, {
      at: lease.at,
      unused: ['lease:s:1:3', 'lease:s:1:4', 'lease:s:1:5'],
      takers: [bullKey(queue, 'a'), bullKey(queue, 'gone')],
    });
    expect((await redis.zrange(keys.rateLog, 0, -1)).sort()).toEqual(['lease:s:1:1', 'lease:s:1:2']);
    expect(Number(await redis.hget(bullKey(queue, 'a'), ADMITTED_FIELD))).toBe(lease.at);
    expect(await redis.exists(bullKey(queue, 'gone'))).toBe(0);
  });

  it('rate per key: another key has its own budget', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, rate: { limit: 1, windowMs: 60_000 } };
    for (const [id, key] of [
      ['a', 'k1'],
      ['b', 'k2'],
    ]) {
      await activeJob(queue, id!);
      expect((await admit(redis, queue, id!, gateKeys(queue, 't', id!, key), limits)).admitted).toBe(true);
    }
    await activeJob(queue, 'c');
    expect((await admit(redis, queue, 'c', gateKeys(queue, 't', 'c', 'k1'), limits)).admitted).toBe(false);
  });

  it('concurrency: a slot frees on release, and by itself when the running job’s lock is gone (a killed worker)', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, global: 1 };
    const keys = (id: string) => gateKeys(queue, 't', id);
    for (const id of ['a', 'b', 'c']) await activeJob(queue, id);
    expect((await admit(redis, queue, 'a', keys('a'), limits)).admitted).toBe(true);
    expect(await admit(redis, queue, 'b', keys('b'), limits)).toMatchObject({ admitted: false, reason: 'concurrency', waitMs: 250 });
    expect(heldRecord(await fields(queue, 'b'))?.reason).toBe('concurrency');
    await release(redis, 'a', keys('a'));
    expect((await admit(redis, queue, 'b', keys('b'), limits)).admitted).toBe(true);
    expect((await admit(redis, queue, 'c', keys('c'), limits)).admitted).toBe(false);
    // b's worker dies: its lock expires (here: removed), and the next look drops b from the running set.
    await redis.del(bullKey(queue, 'b:lock'));
    expect((await admit(redis, queue, 'c', keys('c'), limits)).admitted).toBe(true);
  });

  it('concurrency: refused jobs wait in line, the later ones looking again less often', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, global: 1 };
    const keys = (id: string) => gateKeys(queue, 't', id);
    for (const id of ['a', 'b', 'c', 'd']) await activeJob(queue, id);
    expect((await admit(redis, queue, 'a', keys('a'), limits)).admitted).toBe(true);
    const waits = [];
    for (const id of ['b', 'c', 'd', 'b']) waits.push(await admit(redis, queue, id, keys(id), limits));
    // b keeps its place at the front when it looks again.
    expect(waits.map((w) => (w.admitted ? 0 : w.waitMs))).toEqual([250, 500, 750, 250]);
    await release(redis, 'a', keys('a'));
    expect((await admit(redis, queue, 'b', keys('b'), limits)).admitted).toBe(true);
    // b left the line: c is first now.
    expect(await admit(redis, queue, 'c', keys('c'), limits)).toMatchObject({ admitted: false, waitMs: 250 });
  });

  it('concurrency per key: at most perKey per key, keys independent', async () => {
    const queue = uniqueName('gate');
    const limits = { ...CONC, perKey: 1 };
    for (const id of ['a', 'b', 'c']) await activeJob(queue, id);
    expect((await admit(redis, queue, 'a', gateKeys(queue, 't', 'a', undefined, 'x'), limits)).admitted).toBe(true);
    expect((await admit(redis, queue, 'b', gateKeys(queue, 't', 'b', undefined, 'y'), limits)).admitted).toBe(true);
    expect((await admit(redis, queue, 'c', gateKeys(queue, 't', 'c', undefined, 'x'), limits)).admitted).toBe(false);
  });
});
