import { describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { createRedis } from '@/lib/redis';
import { AlertEvaluator } from '@/lib/alerts/alert-evaluator';
import { AlertEngine } from '@/lib/alerts/alert-engine';
import { DeliverySender } from '@/lib/alerts/delivery-sender';
import { createChannel } from '@/lib/alerts/channel-store';
import { createRule } from '@/lib/alerts/rule-store';
import { listIncidents } from '@/lib/alerts/incident-store';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { webhookReceiver } from './fixtures/alert-receivers';

/**
 * Several consoles: each runs an evaluator, one evaluates (the lease's leader),
 * each notification is delivered once; a leader that dies is replaced within
 * the lease's TTL and the incident it opened is resolved — once — by the next.
 * Also two evaluators that both believe they lead (an old leader finishing a
 * pass): the transitions' compare-and-set still lets only one notify.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-evaluators', 'error');
const TTL_MS = 1_000;
const PERIOD_MS = 100;

async function backlogRule() {
  const receiver = await webhookReceiver();
  stack.atTeardown(() => receiver.close());
  const channel = uniqueName('hook');
  receiver.secret = (await createChannel(redis, { id: channel, config: { type: 'webhook', url: receiver.url } })).secret;
  const queue = uniqueName('q');
  const rule = uniqueName('backlog');
  await createRule(redis, { kind: 'backlog', name: rule, queue, maxWaiting: 0, channels: [channel] });
  return { receiver, queue: stack.queue(queue), rule };
}

/** A console's evaluator on a connection of its own (so one can be cut off), counting its evaluations. */
function consoleEvaluator(name: string) {
  const conn = createRedis('command');
  let evaluations = 0;
  const evaluator = new AlertEvaluator({
    redis: conn,
    logger,
    id: name,
    publicUrl: `http://${name}.test`,
    periodMs: PERIOD_MS,
    leaseTtlMs: TTL_MS,
    leaseRenewMs: 250,
    retry: { attempts: 3, baseMs: 50 },
    sendPollMs: 50,
    onEvaluated: () => evaluations++,
  });
  evaluator.start();
  stack.atTeardown(async () => {
    await evaluator.stop().catch(() => {});
    conn.disconnect();
  });
  return { evaluator, conn, evaluations: () => evaluations };
}

describe('exactly one evaluator across consoles', () => {
  it('two consoles: one evaluates, each notification arrives once; the leader dies, the other takes over and resolves once', async () => {
    const { receiver, queue, rule } = await backlogRule();
    const a = consoleEvaluator('console-a');
    const b = consoleEvaluator('console-b');
    const [leader, other] = await waitFor(
      'a leader',
      () => [a, b].filter((c) => c.evaluator.isLeader()),
      (l) => l.length === 1,
    ).then((l) => (l[0] === a ? [a, b] : [b, a]));

    const added = Date.now();
    await queue.add('add', { a: 1, b: 2 });
    const [firing] = await waitFor(
      'the firing notification',
      () => receiver.accepted(),
      (r) => r.length >= 1,
    );
    // Condition true → webhook received: one period plus the delivery.
    expect(firing!.at - added).toBeLessThan(PERIOD_MS + 1_000);
    expect(firing!.body).toMatchObject({ event: 'firing', link: `http://${leader!.evaluator.id}.test/queues/${queue.name}` });
    const seen = leader!.evaluations();
    await waitFor('ten more evaluations', leader!.evaluations, (n) => n >= seen + 10);
    expect(other!.evaluations()).toBe(0);
    expect(receiver.accepted()).toHaveLength(1);

    // The leader's console dies: its connection is cut, its lease runs out, the other takes over.
    const diedAt = Date.now();
    leader!.conn.disconnect();
    await waitFor('the other console to lead', () => other!.evaluator.isLeader(), Boolean, TTL_MS * 4);
    expect(Date.now() - diedAt).toBeLessThan(TTL_MS * 3);
    const before = other!.evaluations();
    await waitFor('the new leader to evaluate', other!.evaluations, (n) => n >= before + 5);
    // The incident the old leader opened is not opened again.
    expect(receiver.accepted()).toHaveLength(1);

    await queue.drain();
    const got = await waitFor(
      'the resolution',
      () => receiver.accepted(),
      (r) => r.length >= 2,
    );
    expect(got[1]!.body).toMatchObject({ event: 'resolved', incident: { id: firing!.body.incident!.id } });
    const after = other!.evaluations();
    await waitFor('more evaluations', other!.evaluations, (n) => n >= after + 10);
    expect(receiver.accepted().map((r) => r.body.event)).toEqual(['firing', 'resolved']);
    expect(receiver.accepted().every((r) => r.signed)).toBe(true);
    expect(await listIncidents(redis, { rule })).toHaveLength(1);
  });

  it('two evaluators that both act as leader at once: the compare-and-set lets only one open and resolve each incident', async () => {
    const { receiver, queue, rule } = await backlogRule();
    // A second rule without channels: incidents are recorded once even when nothing is sent.
    await createRule(redis, { kind: 'backlog', name: `${rule}-r`, queue: queue.name, maxWaiting: 0, channels: [] });
    const engines = ['x', 'y'].map((n) => {
      const conn = createRedis('command');
      stack.atTeardown(() => conn.disconnect());
      const sender = new DeliverySender({ redis: conn, logger, leading: () => true, pollMs: 20 });
      sender.start();
      stack.atTeardown(() => sender.stop());
      return new AlertEngine({ redis: conn, logger, publicUrl: `http://${n}.test`, leading: () => true, onQueued: () => sender.kick() });
    });
    const race = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) await Promise.all(engines.map((e) => e.tick()));
    };
    await queue.add('add', { a: 1, b: 2 });
    await race(10);
    await waitFor(
      'the firing notification',
      () => receiver.accepted(),
      (r) => r.length >= 1,
    );
    await queue.drain();
    await race(10);
    const got = await waitFor(
      'the resolution',
      () => receiver.accepted(),
      (r) => r.length >= 2,
    );
    await race(5);
    expect(got.map((r) => r.body.event)).toEqual(['firing', 'resolved']);
    expect(receiver.received).toHaveLength(2);
    expect(await listIncidents(redis, { rule })).toHaveLength(1);
    expect(await listIncidents(redis, { rule: `${rule}-r` })).toHaveLength(1);
  });
});
