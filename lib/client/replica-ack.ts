import { keySlot } from '../redis-slot';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../errors';
import { bullKey } from '../keys';
import { isCluster, type RedisConnection } from '../redis';

/**
 * Redis replicates asynchronously: a job acknowledged by its master can be lost
 * with it if the master dies before a replica has it (a failover then promotes a
 * replica without the job). `WAIT n timeout` after the add blocks until n replicas
 * have every write this connection sent, so an `enqueue()` that waited returns
 * only for a job that survives the loss of its master.
 */
export const replicaWaitSchema = z
  .object({
    replicas: z.number().int().min(1).max(16).describe('Replicas that must have the job before enqueue() returns'),
    timeoutMs: z.number().int().min(1).max(60_000).default(1_000).describe('How long to wait for them'),
  })
  .strict();

export type ReplicaWaitInput = z.input<typeof replicaWaitSchema>;
export type ReplicaWait = z.output<typeof replicaWaitSchema>;

/**
 * WAIT on the connection that sent the add: on a Cluster, the node connection
 * that owns the queue's slot (ioredis sends a key's commands through it).
 */
export async function awaitReplicas(conn: RedisConnection, queue: string, wait: ReplicaWait): Promise<void> {
  const node = isCluster(conn) ? nodeOfKey(conn, bullKey(queue, 'wait')) : conn;
  const acked = Number(await node.call('WAIT', wait.replicas, wait.timeoutMs));
  if (acked >= wait.replicas) return;
  throw new UnavailableError(
    `Only ${acked} of ${wait.replicas} replica(s) acknowledged the job within ${wait.timeoutMs} ms: it is enqueued, but could be lost ` +
      'if its master failed now. Retrying with the same idempotencyKey is safe: it returns that job and waits again.',
  );
}

function nodeOfKey(cluster: import('ioredis').Cluster, key: string): Redis {
  const address = cluster.slots[keySlot(key)]?.[0];
  const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
  if (!node)
    throw new UnavailableError(`No master known for the slot of ${key}: the cluster's slot map is being refreshed; retry with the same idempotencyKey.`);
  return node;
}
