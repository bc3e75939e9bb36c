import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { closeRedis, createRedis, type RedisConnection } from '../redis';
import { waitFor } from '../../test/helpers';
import { bullKey } from '../keys';
import { askGate, MAX_IN_FLIGHT, type SentAnswer } from './gate-batcher';
import { admitMany, gateKeys, ADMITTED_FIELD, type GateLimits } from './throttle-gate';
import { LEASE_HAND_OUT_MS } from './start-lease';

/**
 * The worker's micro-batching of gate calls (gate-batcher.ts) on real Redis: how many calls reach Redis
 * (counted by a proxy on the connection), and that a batch's answers are those of the same asks one by one.
 */
const redis = createRedis('command');
afterAll(async () => {
  await redis.quit();
  await closeRedis();
});

/** A connection of its own (the batcher keeps one queue of asks per connection) that counts its EVALSHA calls, and delays the first `delayed` replies. */
function counting(delayMs = 0, delayed = 1): { conn: RedisConnection; calls: () => number } {
  let calls = 0;
  const conn = new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop !== 'evalsha') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<typeof redis.evalsha>) => {
        const slow = calls++ < delayed;
        const reply = await target.evalsha(...args);
        if (slow && delayMs) await new Promise((r) => setTimeout(r, delayMs));
        return reply;
      };
    },
  }) as RedisConnection;
  return { conn, calls: () => calls };
}

const RATE_3: GateLimits = { rate: { limit: 3, windowMs: 60_000 }, concurrencyRetryMs: 250 };
const ask = (conn: RedisConnection, queue: string, id: string, limits = RATE_3, key?: string) =>
  askGate(conn, queue, id, gateKeys(queue, 't', id, key), limits);
const admitted = (xs: SentAnswer[]) => xs.filter((x) => x.answer.admitted).length;

describe('gate batcher', () => {
  it('asks of one budget made together share one gate call, answered in order as one by one', async () => {
    const queue = `gb-${randomUUID()}`;
    const { conn, calls } = counting();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(conn, queue, `j${i}`)));
    expect(calls()).toBe(1);
    expect(answers.map((a) => a.answer.admitted)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    // The held ones are given successive slots, as separate calls would give them.
    const waits = answers.slice(3).map((a) => (a.answer.admitted ? 0 : a.answer.waitMs));
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(await redis.zcard(gateKeys(queue, 't', 'j0').rateLog)).toBe(3);
    expect(await redis.hget(bullKey(queue, 'j2'), ADMITTED_FIELD)).not.toBeNull();
    expect(await redis.hget(bullKey(queue, 'j3'), ADMITTED_FIELD)).toBeNull();
  });

  it('asks made while MAX_IN_FLIGHT calls are on their way go together in the next; each answer says when its own call left', async () => {
    const queue = `gb-${randomUUID()}`;
    const { conn, calls } = counting(100, MAX_IN_FLIGHT);
    const first: Promise<SentAnswer>[] = [];
    for (let i = 0; i < MAX_IN_FLIGHT; i++) {
      first.push(ask(conn, queue, `a${i}`));
      await new Promise((r) => setTimeout(r, 5)); // each in a turn of its own: a call each, all on their way
    }
    const later = Array.from({ length: 5 }, (_, i) => ask(conn, queue, `b${i}`));
    const all = await Promise.all([...first, ...later]);
    expect(calls()).toBe(MAX_IN_FLIGHT + 1);
    expect(admitted(all)).toBe(3);
    // The later asks' margin counts from their own call, sent once the first call's (delayed) reply came.
    expect(all[MAX_IN_FLIGHT]!.sent - all[0]!.sent).toBeGreaterThanOrEqual(100 - 1);
    expect(new Set(all.slice(MAX_IN_FLIGHT).map((a) => a.sent)).size).toBe(1);
  });

  it('an ask made alone (a job that waited in its worker for its slot) does not wait for a call on its way', async () => {
    const queue = `gb-${randomUUID()}`;
    const { conn, calls } = counting(200);
    const order: string[] = [];
    const first = ask(conn, queue, 'a').then(() => order.push('a'));
    await new Promise((r) => setTimeout(r, 10));
    const alone = askGate(conn, queue, 'b', gateKeys(queue, 't', 'b'), RATE_3, { alone: true }).then((x) => (order.push('b'), x));
    const [, b] = await Promise.all([first, alone]);
    expect(order).toEqual(['b', 'a']);
    expect(b.answer.admitted).toBe(true);
    expect(calls()).toBe(2);
  });

  it('budgets do not share a call: another key, or other limits, asks on its own', async () => {
    const queue = `gb-${randomUUID()}`;
    const { conn, calls } = counting();
    const answers = await Promise.all([
      ask(conn, queue, 'a', RATE_3, 'k1'),
      ask(conn, queue, 'b', RATE_3, 'k2'),
      ask(conn, queue, 'c', { ...RATE_3, rate: { limit: 1, windowMs: 60_000 } }),
    ]);
    expect(calls()).toBe(3);
    expect(admitted(answers)).toBe(3);
  });

  it('several workers batching at once never admit more than the limit between them', async () => {
    const queue = `gb-${randomUUID()}`;
    const limits: GateLimits = { rate: { limit: 25, windowMs: 60_000 }, concurrencyRetryMs: 250 };
    const workers = [counting(), counting(), counting()];
    const answers = await Promise.all(workers.flatMap(({ conn }, w) => Array.from({ length: 40 }, (_, i) => ask(conn, queue, `w${w}-${i}`, limits))));
    expect(admitted(answers)).toBe(25);
    expect(await redis.zcard(gateKeys(queue, 't', 'x').rateLog)).toBe(25);
    for (const { calls } of workers) expect(calls()).toBeLessThanOrEqual(2);
  });

  it('admitMany: an ask that gives back a late start frees it for the asks after it in the batch', async () => {
    const queue = `gb-${randomUUID()}`;
    const limits: GateLimits = { rate: { limit: 1, windowMs: 60_000 }, concurrencyRetryMs: 250 };
    const keys = (id: string) => gateKeys(queue, 't', id);
    const [a] = await admitMany(redis, queue, keys('a'), limits, [{ jobId: 'a', jobKey: keys('a').job }]);
    expect(a!.admitted).toBe(true);
    const { member } = a as { member: string };
    const [again, b] = await admitMany(redis, queue, keys('a'), limits, [
      { jobId: 'a', jobKey: keys('a').job, giveBack: member },
      { jobId: 'b', jobKey: keys('b').job },
    ]);
    // a's old start goes and its new one takes the only place: b is held, and the log holds one start.
    expect(again!.admitted).toBe(true);
    expect(b).toMatchObject({ admitted: false, reason: 'rate' });
    expect(await redis.zcard(keys('a').rateLog)).toBe(1);
  });

  const FAR: GateLimits = { rate: { limit: 100_000, windowMs: 60_000 }, concurrencyRetryMs: 250 };
  const askFresh = (conn: RedisConnection, queue: string, id: string, limits = FAR) =>
    askGate(conn, queue, id, gateKeys(queue, 't', id), limits, { fresh: true });
  const leased = (xs: SentAnswer[]) => xs.filter((x) => x.answer.admitted && x.answer.member.startsWith('lease:')).length;
  /** Every admitted job's hash has its admission recorded (a leased one's once its lease is settled). */
  const recorded = async (queue: string, xs: { id: string; a: SentAnswer }[]) =>
    (await Promise.all(xs.filter((x) => x.a.answer.admitted).map((x) => redis.hget(bullKey(queue, x.id), ADMITTED_FIELD)))).every((v) => v !== null);

  it('fresh jobs of a far limit asking often take leased starts without a call each; once settled, the log holds exactly the starts handed out', async () => {
    const queue = `gb-${randomUUID()}`;
    const { conn, calls } = counting();
    const all: { id: string; a: SentAnswer }[] = [];
    let n = 0;
    const round = async () => {
      const ids = Array.from({ length: 10 }, () => `j${n++}`);
      await Promise.all(ids.map((id) => redis.hset(bullKey(queue, id), 'name', 't')));
      const t0 = performance.now();
      const answers = await Promise.all(ids.map((id) => askFresh(conn, queue, id)));
      all.push(...answers.map((a, i) => ({ id: ids[i]!, a })));
      return { answers, t0 };
    };
    // A round right after a call's reply finds its lease (unless the reply took longer than the hand-out time:
    // a loaded machine; then try again, each round's asks ask for the next).
    let withLease = 0;
    for (let r = 0; r < 30 && !withLease; r++) withLease = leased((await round()).answers);
    expect(withLease).toBeGreaterThan(0);
    expect(calls()).toBeLessThan(n);
    expect(all.every((x) => x.a.answer.admitted)).toBe(true);
    await waitFor(
      'every lease settled',
      () => redis.zcard(gateKeys(queue, 't', 'x').rateLog),
      (c) => c === all.length,
      2000 + LEASE_HAND_OUT_MS,
    );
    expect(await recorded(queue, all)).toBe(true);
  });

  it('three workers taking leased and batched starts never hand out more than the limit between them; settled, the log holds exactly the starts handed out', async () => {
    const queue = `gb-${randomUUID()}`;
    const limits: GateLimits = { rate: { limit: 60, windowMs: 60_000 }, concurrencyRetryMs: 250 };
    const workers = [counting(), counting(), counting()];
    const all: { id: string; a: SentAnswer }[] = [];
    await Promise.all(
      workers.map(async ({ conn }, w) => {
        for (let r = 0; r < 12; r++) {
          const ids = Array.from({ length: 8 }, (_, i) => `w${w}-${r}-${i}`);
          await Promise.all(ids.map((id) => redis.hset(bullKey(queue, id), 'name', 't')));
          const answers = await Promise.all(ids.map((id) => askFresh(conn, queue, id, limits)));
          all.push(...answers.map((a, i) => ({ id: ids[i]!, a })));
        }
      }),
    );
    const handedOut = admitted(all.map((x) => x.a));
    expect(handedOut).toBeLessThanOrEqual(60);
    // 288 asks for 60 starts: the limit is used (a start leased and given back unused may stay unused).
    expect(handedOut).toBeGreaterThanOrEqual(30);
    await waitFor(
      'every lease settled',
      () => redis.zcard(gateKeys(queue, 't', 'x').rateLog),
      (c) => c === handedOut,
      2000 + LEASE_HAND_OUT_MS,
    );
    expect(await recorded(queue, all)).toBe(true);
  });
});
