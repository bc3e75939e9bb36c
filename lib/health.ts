import { isCluster, type RedisConnection } from './redis';

export interface RedisStatus {
  redis: 'up' | 'down';
  latencyMs: number | null;
  error?: string;
}

/** One master of a Redis Cluster, as {@link checkRedisNodes} found it. */
export interface NodeStatus extends RedisStatus {
  /** `host:port`, as the cluster names it. */
  node: string;
}

const NOT_CONNECTED = 'not connected';

/** PING with a deadline: a Redis that does not answer within `timeoutMs` counts as down. */
export async function checkRedis(redis: Pick<RedisConnection, 'ping'>, timeoutMs = 1000): Promise<RedisStatus> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { redis: 'up', latencyMs: Math.round((performance.now() - start) * 100) / 100 };
  } catch (err) {
    return { redis: 'down', latencyMs: null, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Redis's health for `/api/health`. On a single Redis, one PING. On a Redis
 * Cluster, a PING to every master the client's node map holds, at once (a PING
 * through the cluster client reaches one random node, which says nothing of the
 * others): Redis is up only when every master answers, and `nodes` tells which
 * did not. A master killed shows as down until its replica is promoted and the
 * client's node map says so (it re-reads the map on the failed commands).
 */
export async function checkRedisNodes(redis: RedisConnection, timeoutMs = 1000): Promise<RedisStatus & { nodes?: NodeStatus[] }> {
  if (!isCluster(redis)) return checkRedis(redis, timeoutMs);
  // Before the first node map (a console just started, or the cluster unreachable) there is no master to ask.
  const whole = redis.status === 'ready' ? undefined : await checkRedis(redis, timeoutMs);
  // The masters of the slot map, not of the connection pool: ioredis drops a node's connection from the pool
  // once the node goes away, while the map keeps naming it as the owner of its slots until a replica takes over.
  const masters = [...new Set(redis.slots.map((owners) => owners?.[0]).filter((n): n is string => n !== undefined))];
  if (whole?.redis === 'down' || masters.length === 0) return { ...(whole ?? { redis: 'down', latencyMs: null, error: 'no master known' }), nodes: [] };
  const connected = new Map(redis.nodes('master').map((m) => [`${m.options.host}:${m.options.port}`, m]));
  const nodes: NodeStatus[] = await Promise.all(
    masters.map(async (node) => {
      const conn = connected.get(node);
      return { node, ...(conn ? await checkRedis(conn, timeoutMs) : { redis: 'down' as const, latencyMs: null, error: NOT_CONNECTED }) };
    }),
  );
  // A master without a connection comes back into the pool only with a new node map: ask for one (a master
  // restarted, or its replica promoted, then shows at the next check).
  if (nodes.some((n) => n.error === NOT_CONNECTED)) redis.refreshSlotsCache();
  nodes.sort((a, b) => a.node.localeCompare(b.node));
  const down = nodes.filter((n) => n.redis === 'down');
  const slowest = Math.max(...nodes.map((n) => n.latencyMs ?? 0));
  return down.length
    ? { redis: 'down', latencyMs: null, error: `${down.length} of ${nodes.length} masters do not answer (${down.map((n) => n.node).join(', ')})`, nodes }
    : { redis: 'up', latencyMs: slowest, nodes };
}
