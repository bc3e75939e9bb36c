import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { FlowProducer, Queue } from 'bullmq';
import { z } from 'zod';
import { createClient } from '@/lib/client/create-client';
import { env, parseEnv } from '@/lib/env';
import { bullKey, celerityKeys } from '@/lib/keys';
import { closeRedis, forEachMaster, getRedis, isCluster, pipelined } from '@/lib/redis';
import { checkRedisTopology } from '@/lib/redis-preflight';
import { isClusterUrl } from '@/lib/redis-url';
import { keySlot, hashedPart } from '@/lib/redis-slot';
import { luaScript } from '@/lib/queue/lua-script';
import { bullQueueName } from '@/lib/queue/queue-names';
import { closeQueues, discoverQueues, getQueue, requireQueue } from '@/lib/queue/queue-registry';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { readHeartbeats } from '@/lib/worker/heartbeat';
import { createSession, readSession } from '@/lib/auth/session-store';
import { checkToken, createToken, listTokens, revokeToken } from '@/lib/auth/api-tokens';
import { appendAudit, readAudit } from '@/lib/auth/audit-log';
import { loginSucceeded, startLoginAttempt } from '@/lib/auth/login-throttle';
import { freePort, startRedisServer } from '@/scripts/redis-server';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueStack } from './fixtures/queue-stack';
import { scanNode } from './helpers';

/**
 * Celerity's placement on a real 3-master Redis Cluster (the cluster suite's
 * REDIS_URL): one hash slot per queue, spread over the masters; a group's
 * queues on one slot (a BullMQ flow crosses them); Celerity's own keys on slots
 * its commands never cross; queues shown by their names; and the bad inputs
 * refused at start with the setting named. Skipped on a single Redis.
 */

// Read by env() on first use, after this file's imports: the group every process of a deployment would share.
vi.hoisted(() => {
  process.env.CELERITY_QUEUE_GROUPS = 'media:images,thumbnails';
});

const onCluster = isClusterUrl(inject('redisUrl'));
const stack = queueStack();

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

/** Every key under this file's prefix, by the master that holds it. */
async function keysByMaster(): Promise<Map<string, string[]>> {
  const match = `${env().CELERITY_PREFIX}:*`;
  const out = new Map<string, string[]>();
  await forEachMaster(getRedis(), async (node) => {
    out.set(`${node.options.host}:${node.options.port}`, await scanNode(node, match));
  });
  return out;
}

describe.runIf(onCluster)('Redis Cluster: placement', () => {
  it('gives each queue a slot of its own, so queues spread over every master', async () => {
    expect(isCluster(getRedis())).toBe(true);
    const names = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    for (const name of names) await getQueue(name).add('noop', { name });
    const slots = new Set(names.map((n) => keySlot(bullKey(n, 'wait'))));
    expect(slots.size).toBe(names.length);
    // Where Redis put them: every queue's keys on one master, and every master holding some queue.
    const tagsByMaster = new Map<string, Set<string>>();
    for (const [master, keys] of await keysByMaster()) {
      tagsByMaster.set(master, new Set(keys.filter((k) => k.includes('{spread-')).map(hashedPart)));
    }
    const holders = names.map((n) => [...tagsByMaster].filter(([, tags]) => tags.has(n)).length);
    expect(holders).toEqual(names.map(() => 1));
    expect([...tagsByMaster.values()].filter((tags) => tags.size > 0)).toHaveLength(3);
    // Redis agrees with the slot Celerity computes.
    expect(Number(await getRedis().cluster('KEYSLOT', bullKey('spread-0', 'wait')))).toBe(keySlot(bullKey('spread-0', 'wait')));
  });

  it("puts a group's queues on one slot: a BullMQ flow crosses them", async () => {
    expect(bullQueueName('images')).toBe('{media}images');
    expect(keySlot(bullKey('images', 'wait'))).toBe(keySlot(bullKey('thumbnails', 'wait')));
    const flows = stack.closing(new FlowProducer({ connection: stack.redis, prefix: stack.prefix }));
    const tree = await flows.add({
      name: 'album',
      queueName: bullQueueName('images'),
      data: {},
      children: [{ name: 'thumb', queueName: bullQueueName('thumbnails'), data: {} }],
    });
    expect(await tree.job.getState()).toBe('waiting-children');
    expect(await getQueue('thumbnails').getWaitingCount()).toBe(1);
    // Without a shared tag the same flow is refused: that is what the group setting is for.
    await expect(
      flows.add({
        name: 'album',
        queueName: bullQueueName('lonely-a'),
        data: {},
        children: [{ name: 'thumb', queueName: bullQueueName('lonely-b'), data: {} }],
      }),
    ).rejects.toThrow(/CROSSSLOT|slot/i);
  });

  it("keeps Celerity's own keys on slots no command crosses", () => {
    const k = celerityKeys();
    const global = [
      k.tasks,
      k.workers,
      k.worker('w1'),
      k.workerLast('w1'),
      k.control,
      k.controlAck('r1'),
      k.queues,
      k.schedules,
      k.scheduleState('s'),
      k.scheduleRuns('s'),
      k.scheduleRunIndex('s'),
      k.lock('reconcile'),
      k.session('h'),
      k.tokens,
      k.tokenUsage,
      k.loginThrottle('h'),
      k.passwordUpgrade('h'),
      k.audit,
    ];
    expect(new Set(global.map(keySlot)).size).toBe(1);
    // A job's re-runs are read by one script with the job's hash: same slot as the job.
    expect(keySlot(k.reruns('images', '7'))).toBe(keySlot(bullKey('images', '7')));
    expect(keySlot(k.reruns('spread-3', '7'))).toBe(keySlot(bullKey('spread-3', '7')));
  });

  it('runs a task end to end without a line of task code changed: worker, catalogue, heartbeat, enqueue, waitForResult', async () => {
    const double = defineTask({
      name: 'cluster.double',
      description: 'doubles n',
      queue: 'cluster-work',
      schema: z.object({ n: z.number() }),
      handler: ({ n }) => n * 2,
    });
    const registry = createRegistry([double]);
    const worker = await stack.worker(registry);
    const client = createClient(registry);
    const handles = await Promise.all([1, 2, 3].map((n) => client.enqueue('cluster.double', { n })));
    expect(await Promise.all(handles.map((h) => h.waitForResult(15_000)))).toEqual([2, 4, 6]);
    const many = await client.enqueueMany([
      { task: 'cluster.double', args: { n: 10 } },
      { task: 'cluster.double', args: { n: 20 } },
    ]);
    expect(await Promise.all(many.map((h) => h.waitForResult(15_000)))).toEqual([20, 40]);
    expect((await readHeartbeats(getRedis())).alive.map((h) => h.id)).toContain(worker.id);
  });

  it("runs Celerity's own stores on the cluster: sessions, API tokens, the audit log, login throttling (a 4-key script)", async () => {
    const redis = getRedis();
    const { id } = await createSession(redis, { user: 'ann', fp: 'fp', ip: '127.0.0.1' });
    expect((await readSession(redis, id))?.record.user).toBe('ann');
    const { token, record } = await createToken(redis, { name: 'ci', scope: 'read' }, 'admin');
    expect((await listTokens(redis)).map((t) => t.id)).toContain(record.id);
    expect((await checkToken(redis, token)).ok).toBe(true);
    await revokeToken(redis, record.id);
    expect((await checkToken(redis, token)).ok).toBe(false);
    await appendAudit(redis, { action: 'queue.pause', target: 'images', actor: 'ann', ip: '127.0.0.1', method: 'POST', path: '/x', status: 200 });
    expect((await readAudit(redis)).entries[0]?.target).toBe('images');
    const attempt = await startLoginAttempt(redis, 'ann', '192.0.2.1');
    expect(new Set(attempt.keys.map(keySlot)).size).toBe(1);
    await loginSucceeded(redis, attempt);
  });

  it('sends commands for queues on several masters in one call (pipelined), where a raw pipeline is refused', async () => {
    const keys = ['spread-4', 'spread-5', 'spread-6'].map((q) => bullKey(q, 'probe'));
    const replies = await pipelined(getRedis(), [...keys.map((k, i) => ['SET', k, String(i)] as const), ...keys.map((k) => ['GET', k] as const)]);
    expect(replies).toEqual([...keys.map(() => [null, 'OK']), ...keys.map((_, i) => [null, String(i)])]);
    const raw = getRedis().pipeline();
    for (const k of keys) raw.get(k);
    await expect(raw.exec()).rejects.toThrow(/same slot/);
  });

  it('names the keys of a Lua script that would cross slots', async () => {
    const script = luaScript("return redis.call('EXISTS', KEYS[1])");
    await expect(script.run(getRedis(), [bullKey('spread-1', 'wait'), bullKey('spread-2', 'wait')], [])).rejects.toThrow(
      new RegExp(`cross Redis Cluster hash slots: ${bullKey('spread-2', 'wait').replace(/[{}]/g, '\\$&')}`),
    );
  });

  it("shows queues by their names: images, not {media}images; a plain BullMQ producer's own tag as stored", async () => {
    const foreign = stack.closing(new Queue('{orders}eu', { connection: stack.redis, prefix: stack.prefix }));
    await foreign.add('x', {});
    const plain = stack.closing(new Queue('{invoices}', { connection: stack.redis, prefix: stack.prefix }));
    await plain.add('x', {});
    await getQueue('images').waitUntilReady();
    const shown = await discoverQueues();
    expect(shown).toEqual(expect.arrayContaining(['images', 'thumbnails', 'spread-0', '{orders}eu', 'invoices']));
    expect(shown.filter((n) => n.includes('{') && n !== '{orders}eu')).toEqual([]);
    expect((await requireQueue('invoices')).name).toBe('{invoices}');
    expect(await (await requireQueue('{orders}eu')).getWaitingCount()).toBe(1);
  });
});

describe.runIf(onCluster)('Redis Cluster: bad input at start', () => {
  const seed = () => {
    const url = inject('redisUrl');
    return /^redis\+cluster:\/\/([^,]+)/.exec(url)![1]!;
  };

  it('refuses a cluster URL with a node that does not answer and is not a member', async () => {
    const dead = await freePort();
    await expect(checkRedisTopology(`redis+cluster://${seed()},127.0.0.1:${dead}`)).rejects.toThrow(
      new RegExp(`REDIS_URL: node 127.0.0.1:${dead} does not answer .* not a member of the cluster`),
    );
    await expect(checkRedisTopology(`redis+cluster://127.0.0.1:${dead}`)).rejects.toThrow(/REDIS_URL: no node of the cluster answers \(127\.0\.0\.1:\d+: /);
  });

  it('refuses a cluster URL whose node is not in cluster mode', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-plain-'));
    const plain = await startRedisServer({ port: await freePort(), dir, appendonly: false });
    try {
      await expect(checkRedisTopology(`redis+cluster://127.0.0.1:${plain.port}`)).rejects.toThrow(
        new RegExp(`REDIS_URL: node 127.0.0.1:${plain.port} is not in cluster mode \\(cluster support disabled\\)`),
      );
      expect((await checkRedisTopology(plain.url)).warnings).toEqual([]);
    } finally {
      await plain.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a single-Redis URL that points at a cluster node, and the worker stops on it with the setting named', async () => {
    await expect(checkRedisTopology(`redis://${seed()}`)).rejects.toThrow(/REDIS_URL: .* is a Redis Cluster node \(cluster_enabled:1\)/);
    expect((await checkRedisTopology(inject('redisUrl'))).warnings).toEqual([]);
    const proc = stack.workerProcess([], { REDIS_URL: `redis://${seed()}` });
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(/REDIS_URL: .* is a Redis Cluster node/);
  });

  it('refuses a malformed queue group setting, naming it', async () => {
    expect(() => parseEnv({ CELERITY_QUEUE_GROUPS: 'media:images;print:images' })).toThrow(/CELERITY_QUEUE_GROUPS: queue "images" is in two groups/);
    const proc = stack.workerProcess([], { CELERITY_QUEUE_GROUPS: 'media' });
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(/CELERITY_QUEUE_GROUPS: "media" is not group:queue,queue/);
  });
});
