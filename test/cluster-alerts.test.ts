import { describe, expect, inject, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { createRedis } from '@/lib/redis';
import { isClusterUrl } from '@/lib/redis-url';
import { keySlot } from '@/lib/redis-slot';
import { bullKey } from '@/lib/keys';
import { AlertEvaluator } from '@/lib/alerts/alert-evaluator';
import { FinishedFeed } from '@/lib/alerts/finished-feed';
import { ReadingContext, readRule } from '@/lib/alerts/rule-readings';
import { ruleInputSchema } from '@/lib/alerts/rule-model';
import { createChannel } from '@/lib/alerts/channel-store';
import { createRule } from '@/lib/alerts/rule-store';
import { listIncidents } from '@/lib/alerts/incident-store';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { webhookReceiver } from './fixtures/alert-receivers';

/**
 * The alerts' evaluator on a real 3-master Redis Cluster (the cluster suite's
 * REDIS_URL): two consoles' evaluators, each on a cluster connection of its
 * own; one leads, each notification reaches the webhook receiver once; the
 * leader dies (its connection cut, its lease left to expire), the other takes
 * over within seconds and resolves the incident — once. And the rules' figures
 * of queues on different hash slots, read one script call per slot.
 * Skipped on a single Redis (test/alerts-evaluators.test.ts there).
 */
const onCluster = isClusterUrl(inject('redisUrl'));
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('cluster-alerts', 'error');
const TTL_MS = 1_000;

function consoleEvaluator(name: string) {
  const conn = createRedis('command');
  let evaluations = 0;
  const evaluator = new AlertEvaluator({
    redis: conn,
    logger,
    id: name,
    publicUrl: `http://${name}.test`,
    periodMs: 100,
    leaseTtlMs: TTL_MS,
    leaseRenewMs: 250,
    retry: { attempts: 3, baseMs: 50 },
    sendPollMs: 50,
    onEvaluated: () => evaluations++,
  });
  evaluator.start();
  let dead = false;
  stack.atTeardown(async () => {
    // A cut Cluster connection queues the lease's release instead of refusing it: do not wait for it.
    const stopped = evaluator.stop().catch(() => {});
    if (!dead) await stopped;
    conn.disconnect();
  });
  return {
    evaluator,
    evaluations: () => evaluations,
    /** The console dies: its connections to every master are cut; its lease is left to expire. */
    kill() {
      dead = true;
      conn.disconnect();
    },
  };
}

describe.skipIf(!onCluster)('alerts on a Redis Cluster', () => {
  it('two evaluators: one delivery per notification; the leader dies, the other takes over and resolves once', async () => {
    const receiver = await webhookReceiver();
    stack.atTeardown(() => receiver.close());
    const channel = uniqueName('hook');
    receiver.secret = (await createChannel(redis, { id: channel, config: { type: 'webhook', url: receiver.url } })).secret;
    const name = uniqueName('q');
    const queue = stack.queue(name);
    const rule = uniqueName('backlog');
    await createRule(redis, { kind: 'backlog', name: rule, queue: name, maxWaiting: 0, channels: [channel] });

    const a = consoleEvaluator('console-a');
    const b = consoleEvaluator('console-b');
    const leaders = await waitFor(
      'one leader',
      () => [a, b].filter((c) => c.evaluator.isLeader()),
      (l) => l.length === 1,
    );
    const leader = leaders[0]!;
    const other = leader === a ? b : a;

    await queue.add('add', { a: 1, b: 2 });
    const [firing] = await waitFor(
      'the firing notification',
      () => receiver.accepted(),
      (r) => r.length >= 1,
    );
    expect(firing!.body).toMatchObject({ event: 'firing', link: `http://${leader.evaluator.id}.test/queues/${name}` });
    const seen = leader.evaluations();
    await waitFor('ten more evaluations', leader.evaluations, (n) => n >= seen + 10);
    expect(other.evaluations()).toBe(0);
    expect(receiver.accepted()).toHaveLength(1);

    // The leader's console dies; its lease runs out.
    const diedAt = Date.now();
    leader.kill();
    await waitFor('the other console to lead', () => other.evaluator.isLeader(), Boolean, TTL_MS * 5);
    const tookOverMs = Date.now() - diedAt;
    const before = other.evaluations();
    await waitFor('the new leader to evaluate', other.evaluations, (n) => n >= before + 5);
    expect(receiver.accepted()).toHaveLength(1);

    await queue.drain();
    const got = await waitFor(
      'the resolution',
      () => receiver.accepted(),
      (r) => r.length >= 2,
    );
    expect(got[1]!.body).toMatchObject({
      event: 'resolved',
      incident: { id: firing!.body.incident!.id },
      link: `http://${other.evaluator.id}.test/queues/${name}`,
    });
    const after = other.evaluations();
    await waitFor('ten more evaluations', other.evaluations, (n) => n >= after + 10);
    expect(receiver.accepted().map((r) => r.body.event)).toEqual(['firing', 'resolved']);
    expect(receiver.accepted().every((r) => r.signed)).toBe(true);
    expect(await listIncidents(redis, { rule })).toMatchObject([{ status: 'resolved', notifications: 2 }]);
    // "Within seconds": the lease's TTL plus a renewal, with room for a loaded machine.
    expect(tookOverMs).toBeLessThan(TTL_MS * 5);
  });

  it("rules over queues on several hash slots: each slot's queues read in one script call, each rule sees its own queue", async () => {
    const names = Array.from({ length: 8 }, () => uniqueName('slotq'));
    for (const [i, n] of names.entries()) await stack.queue(n).addBulk(Array.from({ length: i % 2 }, () => ({ name: 'add', data: { a: 1, b: 1 } })));
    const rules = names.map((queue, i) => ruleInputSchema.parse({ kind: 'backlog', name: `b-${i}`, queue, maxWaiting: 0 }));
    const slots = new Set(names.map((n) => keySlot(bullKey(n, 'wait'))));
    expect(slots.size).toBeGreaterThan(1);
    const conn = createRedis('command');
    stack.atTeardown(() => conn.disconnect());
    let calls = 0;
    const evalsha = conn.evalsha.bind(conn);
    conn.evalsha = ((...args: Parameters<typeof evalsha>) => (calls++, evalsha(...args))) as typeof conn.evalsha;
    const ctx = new ReadingContext(conn, new FinishedFeed(conn), Date.now());
    await ctx.prefetch(rules);
    const readings = await Promise.all(rules.map((r) => readRule(r, ctx)));
    expect(calls).toBe(slots.size);
    expect(readings.map((r) => r.firing)).toEqual(names.map((_, i) => i % 2 === 1));
  });
});
