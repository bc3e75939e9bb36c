import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { env } from '@/lib/env';
import { UnavailableError } from '@/lib/errors';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { getQueue } from '@/lib/queue/queue-registry';
import { freePort, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * enqueue's waitForReplicas (Redis WAIT after the add): it returns once a replica
 * has the job, and says so plainly when none acknowledges in time. The replica is
 * a redis-server of this file's own, following the test Redis.
 */
const stack = queueStack();
const queue = uniqueName('replicas');
const client = createClient(createRegistry([defineTask({ name: `${queue}-t`, description: 'no-op', queue, schema: z.object({}), handler: () => 'ok' })]));
const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-replica-'));
let replica: RunningRedis | undefined;

afterAll(async () => {
  await client.close();
  await replica?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('enqueue with waitForReplicas', () => {
  it('without a replica: UnavailableError after the timeout, saying the job is enqueued and a retry with the key is safe', async () => {
    const err = await client.enqueue(`${queue}-t`, {}, { idempotencyKey: 'k1', waitForReplicas: { replicas: 1, timeoutMs: 50 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/Only 0 of 1 replica\(s\) acknowledged the job within 50 ms: it is enqueued/);
    expect(await getQueue(queue).getJobCounts('wait')).toEqual({ wait: 1 });
  });

  it('with a replica: returns once the replica has the job', async () => {
    const port = Number(new URL(env().REDIS_URL!).port);
    replica = await startRedisServer({ port: await freePort(), dir, extraArgs: ['--replicaof', '127.0.0.1', String(port)] });
    const { createRedis } = await import('@/lib/redis');
    const probe = createRedis('command', replica.url);
    try {
      await waitFor(
        'replica in sync',
        async () => String(await probe.info('replication')),
        (i) => i.includes('master_link_status:up'),
      );
      const handle = await client.enqueue(`${queue}-t`, {}, { waitForReplicas: { replicas: 1, timeoutMs: 5_000 } });
      // WAIT returned: the replica holds the job's hash already, no waiting here.
      expect(await probe.exists(`${stack.prefix}:${queue}:${handle.id}`)).toBe(1);
    } finally {
      probe.disconnect();
    }
  });

  it('a bad waitForReplicas is refused before Redis, naming the field', async () => {
    await expect(client.enqueue(`${queue}-t`, {}, { waitForReplicas: { replicas: 0 } })).rejects.toMatchObject({ field: 'options.waitForReplicas.replicas' });
  });
});
