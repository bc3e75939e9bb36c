import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@/lib/logger';
import { isCluster } from '@/lib/redis';
import { alertKeys } from '@/lib/alerts/alert-keys';
import { FinishedFeed } from '@/lib/alerts/finished-feed';
import { groupBySlot, readQueueFigures } from '@/lib/alerts/queue-figures';
import { RuleCache } from '@/lib/alerts/rule-cache';
import { ReadingContext, readRule } from '@/lib/alerts/rule-readings';
import { createRule, replaceRule } from '@/lib/alerts/rule-store';
import { ruleInputSchema } from '@/lib/alerts/rule-model';
import { bullKey } from '@/lib/keys';
import { add, fail, sleep } from '@/worker/tasks/demo-tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * What keeps an evaluation of many rules cheap: each queue figure read once
 * for all the rules that need it (one script call per group of queues), the
 * finished jobs of every queue in one call, and stored rules parsed again only
 * when they change. Real Redis, real jobs and workers.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-figures', 'error');

describe('queue figures for the alert rules', () => {
  it('counts, the oldest waiting job and the long-running jobs of several queues, only what was asked', async () => {
    const idle = uniqueName('idle');
    const producer = stack.queue(idle);
    const first = await producer.add('add', { a: 1, b: 1 });
    await producer.add('add', { a: 1, b: 2 });
    await producer.add('add', { a: 1, b: 3 }, { priority: 5 });
    const { name: busy, queue } = await stack.workerOnOwnQueue([sleep], { logger }, 'busy');
    const job = await queue.add('sleep', { ms: 1_500 });
    const started = await waitFor(
      'the job to start',
      async () => (await queue.getJob(job.id!))?.processedOn,
      (t) => t !== undefined,
    );

    const needs = new Map([
      [idle, { counts: true, oldest: true }],
      [busy, { counts: true, oldest: false, longerThanMs: 100 }],
    ]);
    const later = await readQueueFigures(redis, needs, started! + 101);
    expect(later.get(idle)).toEqual({ waiting: 2, prioritized: 1, active: 0, oldestWaitingAt: first.timestamp, longRunning: [] });
    expect(later.get(busy)).toMatchObject({ waiting: 0, active: 1, longRunning: [{ id: job.id, task: 'sleep', startedAt: started }] });
    // Not yet longer than the limit; and a queue whose counts nobody needs is not counted.
    const sooner = await readQueueFigures(redis, new Map([[busy, { counts: false, oldest: false, longerThanMs: 100 }]]), started! + 50);
    expect(sooner.get(busy)).toEqual({ waiting: 0, prioritized: 0, active: 0, oldestWaitingAt: null, longRunning: [] });
  });

  it("many rules over many queues: one script call for all the queues' figures, each rule reads the same figures as alone", async () => {
    const queues = Array.from({ length: 20 }, () => uniqueName('fq'));
    for (const [i, q] of queues.entries()) await stack.queue(q).addBulk(Array.from({ length: i % 3 }, () => ({ name: 'add', data: { a: 1, b: 1 } })));
    const rules = queues.flatMap((q, i) =>
      [
        { kind: 'backlog', name: `b-${i}`, queue: q, maxWaiting: 1 },
        { kind: 'long_running', name: `l-${i}`, queue: q, maxMs: 1_000 },
      ].map((r) => ruleInputSchema.parse(r)),
    );
    const now = Date.now();
    const spy = vi.spyOn(redis, 'evalsha');
    const ctx = new ReadingContext(redis, new FinishedFeed(redis), now);
    await ctx.prefetch(rules);
    const together = await Promise.all(rules.map((r) => readRule(r, ctx)));
    const groups = groupBySlot(redis, (q) => bullKey(q, 'wait'), queues).length;
    expect(spy).toHaveBeenCalledTimes(groups);
    expect(groups).toBe(isCluster(redis) ? new Set(queues.map((q) => bullKey(q, 'wait'))).size : 1);
    spy.mockRestore();
    // The same readings, each rule on a context of its own (its own reads).
    const alone = await Promise.all(rules.map((r) => readRule(r, new ReadingContext(redis, new FinishedFeed(redis), now))));
    expect(together).toEqual(alone);
    expect(together.filter((r) => r.firing).map((r) => r.details.queue)).toEqual(queues.filter((_, i) => i % 3 === 2));
  });

  it('the finished jobs of several queues in one update, each counted once over updates', async () => {
    const a = await stack.workerOnOwnQueue([add, fail], { logger }, 'fa');
    const b = await stack.workerOnOwnQueue([add, fail], { logger }, 'fb');
    await a.queue.addBulk([
      { name: 'add', data: { a: 1, b: 1 } },
      { name: 'fail', data: { message: 'boom' }, opts: { attempts: 1 } },
    ]);
    await b.queue.addBulk(Array.from({ length: 3 }, () => ({ name: 'add', data: { a: 1, b: 1 } })));
    const done = (q: typeof a.queue, n: number) =>
      waitFor(
        `${n} finished`,
        () => q.getJobCounts('completed', 'failed'),
        (c) => (c.completed ?? 0) + (c.failed ?? 0) >= n,
      );
    await Promise.all([done(a.queue, 2), done(b.queue, 3)]);
    const feed = new FinishedFeed(redis);
    const spy = vi.spyOn(redis, 'evalsha');
    await feed.update([a.name, b.name], 60_000);
    expect(spy).toHaveBeenCalledTimes(groupBySlot(redis, (q) => bullKey(q, 'completed'), [a.name, b.name]).length);
    spy.mockRestore();
    for (let i = 0; i < 2; i++) {
      expect(feed.counts(a.name, undefined, 0)).toEqual({ completed: 1, failed: 1 });
      expect(feed.counts(b.name, undefined, 0)).toEqual({ completed: 3, failed: 0 });
      expect(feed.failuresSince(a.name, 'fail', 0)).toMatchObject([{ queue: a.name, task: 'fail', reason: expect.stringContaining('boom') }]);
      // Read again: the overlap re-reads the same jobs, which are not counted twice.
      await feed.update([a.name, b.name], 60_000);
    }
  });
});

describe('the rule cache', () => {
  it('parses a stored rule once; an edited rule again; a corrupt one is reported on every read', async () => {
    const name = uniqueName('cached');
    await createRule(redis, { kind: 'backlog', name, queue: 'x', maxWaiting: 5 });
    const cache = new RuleCache();
    const corrupt: string[] = [];
    const mine = async () => (await cache.read(redis, (n) => corrupt.push(n))).find((r) => r.name === name);
    const first = await mine();
    expect(first).toMatchObject({ name, maxWaiting: 5 });
    expect(await mine()).toBe(first);
    await replaceRule(redis, name, { kind: 'backlog', queue: 'x', maxWaiting: 7 });
    const edited = await mine();
    expect(edited).not.toBe(first);
    expect(edited).toMatchObject({ name, maxWaiting: 7 });

    const broken = uniqueName('broken');
    await redis.hset(alertKeys().rules, broken, '{"kind":"nonsense"}');
    stack.atTeardown(() => redis.hdel(alertKeys().rules, broken, name));
    await mine();
    await mine();
    expect(corrupt.filter((n) => n === broken)).toHaveLength(2);
  });
});
