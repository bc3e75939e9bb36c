import { isCluster, type RedisConnection } from '../redis';
import { celerityKeys } from '../keys';

/**
 * Publish a message on the workers' control channel and say how many
 * subscribers got it.
 *
 * On a single Redis that is PUBLISH's own answer. On a Redis Cluster a PUBLISH
 * reaches the subscribers of every node (the cluster bus forwards it), but its
 * answer counts only those of the node that took it — and a worker's subscriber
 * sits on whichever node ioredis picked. So the count is the sum of
 * `PUBSUB NUMSUB` over every node (masters and replicas) after publishing.
 */
export async function publishControl(redis: RedisConnection, message: string): Promise<number> {
  const channel = celerityKeys().control;
  const delivered = await redis.publish(channel, message);
  if (!isCluster(redis)) return delivered;
  const counts = await Promise.all(
    redis.nodes('all').map(async (node) => {
      const reply = (await node.pubsub('NUMSUB', channel).catch(() => [channel, 0])) as [string, number];
      return Number(reply[1]) || 0;
    }),
  );
  return Math.max(
    delivered,
    counts.reduce((a, b) => a + b, 0),
  );
}
