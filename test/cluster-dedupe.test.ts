import { afterAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '@/lib/client/create-client';
import { bullKey } from '@/lib/keys';
import { getRedis } from '@/lib/redis';
import { isClusterUrl } from '@/lib/redis-url';
import { keySlot } from '@/lib/redis-slot';
import { bullQueueName } from '@/lib/queue/queue-names';
import { dedupeId } from '@/lib/registry/dedupe';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Deduplication and idempotency keys on a Redis Cluster (the cluster suite's
 * REDIS_URL): BullMQ keeps each key under the queue's own name, so it hashes
 * with the queue's tag — on the slot of the queue's other keys, whatever the
 * key's text (braces included). Skipped on a single Redis.
 */
const onCluster = isClusterUrl(inject('redisUrl'));
const stack = queueStack();

const q = uniqueName('dedupe-cluster');
const report = defineTask({
  name: 'report',
  description: 'one per id',
  queue: q,
  schema: z.object({ id: z.string() }),
  dedupe: { key: ['id'], ttl: 60_000 },
  handler: ({ id }) => id,
});
const registry = createRegistry([report]);
const client = createClient(registry);
afterAll(() => client.close());

/** The Redis key BullMQ keeps for a deduplication id of this queue. */
const deKey = (id: string) => bullKey(bullQueueName(q), `de:${id}`);
const queueSlot = () => keySlot(bullKey(bullQueueName(q), 'wait'));

describe.runIf(onCluster)('dedupe on a Redis Cluster', () => {
  it('makes one job of 100 concurrent calls with one key, its key on the queue’s slot', async () => {
    const handles = await Promise.all(Array.from({ length: 100 }, () => client.enqueue('report', { id: 'r1' })));
    expect(handles.filter((h) => h.created)).toHaveLength(1);
    expect(new Set(handles.map((h) => h.id)).size).toBe(1);
    const key = deKey(dedupeId('report', 'key', '["r1"]'));
    expect(await getRedis().get(key)).toBe(handles[0]!.id);
    expect(keySlot(key)).toBe(queueSlot());
  });

  it('holds an idempotency key with braces in it on the queue’s slot, through completion', async () => {
    await stack.worker(registry, { queues: [q] });
    const key = 'order-{7}-retry';
    const first = await client.enqueue('report', { id: 'r2' }, { idempotencyKey: key });
    expect(await first.waitForResult(10_000)).toBe('r2');
    const again = await client.enqueue('report', { id: 'r2' }, { idempotencyKey: key });
    expect([first.created, again.created, again.id]).toEqual([true, false, first.id]);
    expect(keySlot(deKey(dedupeId('report', 'idem', key)))).toBe(queueSlot());
  });
});
