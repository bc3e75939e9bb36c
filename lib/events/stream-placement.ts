import { keySlot } from '../redis-slot';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';

/**
 * Which Redis node serves which event stream, for the readers (one per node,
 * lib/events/node-readers.ts). Two shapes: one Redis (one node, any streams in
 * one XREAD) and a Redis Cluster (the master that owns the key's slot; one
 * XREAD only over streams of one slot, as Redis refuses a command whose keys
 * hash to different slots with CROSSSLOT even when one node holds them all).
 */
export interface StreamPlacement {
  /** Re-read the node map (a cluster's slot map); throws when no node answers. */
  refresh(): Promise<void>;
  /** The node that serves `key` now (`host:port` of its master); undefined while its slot has no master. */
  nodeOf(key: string): string | undefined;
  /** Whether `node` is a master in the map as last read. */
  isMaster(node: string): boolean;
  /** Keys with the same group may be read by one XREAD (same slot on a cluster, any on one Redis). */
  groupOf(key: string): number;
  /** A new connection to `node`: `blocking` for the reader's XREAD, `command` for its other commands. */
  connect(node: string, purpose: 'blocking' | 'command'): Redis;
  /** The connection `connect(node, 'command')` returns shared, if the placement has one (one Redis: the console's). */
  sharedCommands?(node: string): Redis | undefined;
}

/** The node name used for a single Redis. */
export const SINGLE_NODE = 'single';

/** One Redis: one node, one group. Its readers' connections come from the caller's factory (lib/redis.ts). */
export function singleRedisPlacement(connect: (purpose: 'blocking' | 'command') => Redis | Cluster, commands: Redis | Cluster): StreamPlacement {
  return {
    refresh: async () => {},
    nodeOf: () => SINGLE_NODE,
    isMaster: (node) => node === SINGLE_NODE,
    groupOf: () => 0,
    connect: (_node, purpose) => oneRedis(connect(purpose)),
    sharedCommands: () => oneRedis(commands),
  };
}

/** A reader reads one node: a Cluster here would be a wiring mistake (clusterPlacement is for clusters). */
function oneRedis(conn: Redis | Cluster): Redis {
  if (conn.isCluster) throw new Error('singleRedisPlacement was given a Redis Cluster connection: use clusterPlacement');
  return conn as Redis;
}

/**
 * A Redis Cluster, from an ioredis `Cluster`'s slot map. refresh() asks the
 * Cluster to re-read it (CLUSTER SLOTS from a node that answers), so a failover
 * or a finished slot migration shows as soon as the cluster itself reports it.
 */
export function clusterPlacement(cluster: Cluster): StreamPlacement {
  const masterOf = (slot: number) => cluster.slots[slot]?.[0];
  return {
    refresh: () => new Promise<void>((resolve, reject) => cluster.refreshSlotsCache((err) => (err ? reject(err) : resolve()))),
    nodeOf: (key) => masterOf(keySlot(key)),
    isMaster: (node) => cluster.slots.some((owners) => owners?.[0] === node),
    groupOf: (key) => keySlot(key),
    connect: (node, purpose) => nodeConnection(cluster, node, purpose),
  };
}

/** A plain connection to one cluster node, with the cluster's own connection options (password, TLS, name). */
function nodeConnection(cluster: Cluster, node: string, purpose: 'blocking' | 'command'): Redis {
  const at = node.lastIndexOf(':');
  const options: RedisOptions = {
    ...cluster.options.redisOptions,
    host: node.slice(0, at),
    port: Number(node.slice(at + 1)),
    lazyConnect: false,
    enableOfflineQueue: true,
    // The reader waits out a blip; a node that stays away is replaced when the slot map says so.
    maxRetriesPerRequest: purpose === 'blocking' ? null : 1,
    retryStrategy: (times) => Math.min(times * 200, 1000),
  };
  const client = new Redis(options);
  // A dead node shows through the reader's failed reads and the slot map; an unhandled 'error' would crash the console.
  client.on('error', () => {});
  return client;
}
