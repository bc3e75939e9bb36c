import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { env, isSet } from './env';
import { managedRedisUrlIfRunning } from './managed-redis-state';
import { isClusterUrl, parseClusterUrl } from './redis-url';

/**
 * Lazy Redis connections. Nothing here connects at import time: `next build`
 * imports these modules, and a connection made then would hang the build.
 *
 * REDIS_URL=redis://host:port gives an ioredis `Redis`; REDIS_URL=redis+cluster://host:port,host:port
 * gives an ioredis `Cluster` (lib/redis-url.ts). Code that needs to know which
 * (SCAN, CLIENT LIST, INFO run per master) uses {@link isCluster} and {@link forEachMaster}.
 */

/** A connection to the configured Redis: one server, or a Redis Cluster. BullMQ accepts both. */
export type RedisConnection = Redis | Cluster;

/** Whether a connection is a Redis Cluster client. */
export function isCluster(conn: RedisConnection): conn is Cluster {
  return conn.isCluster;
}

/** The Redis URL this process should use: REDIS_URL, else the managed Redis of `npm start`. */
export function redisUrl(): string {
  const url = isSet('REDIS_URL') ? env().REDIS_URL : managedRedisUrlIfRunning();
  if (!url) {
    throw new Error(
      'REDIS_URL is not set and no managed Redis is running. Start everything with `npm start`, or set REDIS_URL=redis://host:port (a Redis Cluster: redis+cluster://host:port,host:port).',
    );
  }
  return url;
}

/** Options shared by every connection; `blocking` is for BullMQ workers and stream readers. */
function options(blocking: boolean): RedisOptions {
  return {
    // BullMQ requires null for blocking connections; commands wait for reconnection there.
    // Command connections give up after one reconnect attempt: a queued command waits
    // at most two reconnect delays (up to 4 s). The console's shared connection does
    // not queue at all once it has connected or failed to (see getRedis).
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    connectionName: undefined,
  };
}

/**
 * The same options for a Cluster: per-node ones go to `redisOptions`, reconnecting
 * to `clusterRetryStrategy` (ioredis reconnects the cluster as a whole, not each node).
 */
function clusterOptions(blocking: boolean, url: string, extra: RedisOptions): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, ...perNode } = { ...options(blocking), ...extra };
  const parsed = parseClusterUrl(url);
  return {
    clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : null),
    enableOfflineQueue,
    lazyConnect,
    redisOptions: {
      ...perNode,
      username: parsed.username,
      password: parsed.password,
      ...(parsed.tls ? { tls: {} } : {}),
    },
    // TLS certificates name the host: keep the names as given instead of resolving them to addresses first.
    ...(parsed.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  };
}

/** A new connection (a Cluster when the URL is redis+cluster://). Callers own it and must `quit()` it. */
export function createRedis(purpose: 'command' | 'blocking', url = redisUrl(), extra: RedisOptions = {}): RedisConnection {
  const blocking = purpose === 'blocking';
  const client = isClusterUrl(url)
    ? new Cluster(parseClusterUrl(url).seeds, clusterOptions(blocking, url, extra))
    : new Redis(url, { ...options(blocking), ...extra });
  // Errors surface through the health monitor and failing commands; an unhandled
  // 'error' event would otherwise crash the process while Redis is away.
  client.on('error', () => {});
  return client;
}

/**
 * The connection a Socket.IO Redis adapter subscribes on (the consoles' fan-out, server.ts). On a
 * Cluster, one subscriber connection per master (ioredis `shardedSubscribers`): the sharded adapter
 * SSUBSCRIBEs one channel per room, each hashed to its own shard, and without that option ioredis
 * sends every SSUBSCRIBE to a single node, which refuses the other shards' channels (MOVED), so
 * the other consoles' frames and room announcements never arrived. It emits `subscribersReady`
 * after re-subscribing on a changed node map (a failover).
 */
export function createSubscriber(url = redisUrl()): RedisConnection {
  if (!isClusterUrl(url)) return createRedis('blocking', url);
  const client = new Cluster(parseClusterUrl(url).seeds, { ...clusterOptions(true, url, {}), shardedSubscribers: true });
  client.on('error', () => {});
  return client;
}

/**
 * Run `fn` on every master of a cluster (SCAN, CLIENT LIST, INFO, DBSIZE: commands
 * that see one node's keys or clients), or once on a single Redis. Waits for the
 * cluster's slot map first: before it, ioredis knows no master.
 */
export async function forEachMaster<T>(conn: RedisConnection, fn: (node: Redis) => Promise<T>): Promise<T[]> {
  if (!isCluster(conn)) return [await fn(conn)];
  if (conn.status !== 'ready') await clusterReady(conn);
  return Promise.all(conn.nodes('master').map(fn));
}

/** Resolve when the cluster is ready; a command queued meanwhile (or refused) decides for us. */
async function clusterReady(conn: Cluster): Promise<void> {
  // PING waits in the offline queue until the slot map is known, or fails as any command would.
  await conn.ping();
}

type Holder = { __celerityRedis?: RedisConnection; __celerityFailFast?: boolean };
const holder = globalThis as unknown as Holder;

/**
 * The process-wide command connection (console routes, the enqueue client).
 * A singleton on globalThis so Next's hot reload reuses it instead of leaking.
 *
 * In the console (failFastWhileRedisDown) it fails fast: a command made while the connection is down is refused at
 * once ("Stream isn't writeable…", which lib/errors.ts maps to 503 with
 * Retry-After) instead of waiting out reconnect attempts — during an outage
 * every request would otherwise take seconds, a write twice that (its audit
 * entry waits again). Only the first connection attempt queues commands, so the
 * requests (and the event relay's first health check) that arrive while the
 * process is still connecting are not refused for nothing. After an outage,
 * ioredis keeps reconnecting on its own; commands work again from its 'ready'.
 */
export function getRedis(): RedisConnection {
  if (!holder.__celerityRedis) {
    // A Redis that accepts but never answers (stopped, swapping) gives a 503 instead of a request that hangs.
    // Set at creation: a Cluster passes it to the node connections it makes.
    const client = createRedis('command', redisUrl(), holder.__celerityFailFast ? { commandTimeout: CONSOLE_COMMAND_TIMEOUT_MS } : {});
    if (holder.__celerityFailFast) {
      // ioredis reads these options on every command, so setting them now takes effect at once.
      const stopQueueing = () => {
        client.options.enableOfflineQueue = false;
      };
      client.once('ready', stopQueueing);
      // 'close' also ends a first attempt that never connected (Redis down at start).
      client.once('close', stopQueueing);
    }
    holder.__celerityRedis = client;
  }
  return holder.__celerityRedis;
}

/**
 * Longest a console command may wait for Redis's answer. Above the slowest
 * legitimate command (a drain of a very large queue is one Lua call), far
 * below "forever".
 */
const CONSOLE_COMMAND_TIMEOUT_MS = 15_000;

/**
 * Make the shared connection fail fast (see getRedis): the console calls it once
 * at start, before the first command. Other processes that use the shared
 * connection — application code calling `enqueue` — keep ioredis's default and
 * wait out a short blip instead of failing at once.
 */
export function failFastWhileRedisDown(): void {
  if (holder.__celerityRedis) throw new Error('failFastWhileRedisDown() must run before the first getRedis()');
  holder.__celerityFailFast = true;
}

/**
 * True when a command on the shared connection would be refused right now:
 * it has connected (or failed to) and is not up. A caller that must not add
 * an error of its own to an outage (the audit entry of a request that already
 * failed with 503) checks this first. False during the first connection
 * attempt, whose commands wait for it.
 */
export function redisUnavailable(): boolean {
  const c = getRedis();
  return !c.options.enableOfflineQueue && c.status !== 'ready';
}

/** Close the shared connection (process shutdown, tests). */
export async function closeRedis(): Promise<void> {
  const c = holder.__celerityRedis;
  holder.__celerityRedis = undefined;
  if (c) await c.quit().catch(() => c.disconnect());
}

/** One command for {@link pipelined}: its name and arguments, the key first as Redis expects. */
export type PipelinedCommand = readonly [command: string, ...args: (string | number)[]];

/**
 * Independent commands in one round trip: a pipeline on a single Redis. On a
 * Cluster a pipeline must stay on one node, so each command is sent on its own
 * (at once, routed by its key; ioredis writes them without waiting for answers).
 * Replies in order, `[error, reply]` each, as a pipeline's `exec()` gives them.
 */
export async function pipelined(conn: RedisConnection, commands: readonly PipelinedCommand[]): Promise<[Error | null, unknown][]> {
  if (!commands.length) return [];
  if (!isCluster(conn)) {
    const pipe = conn.pipeline();
    for (const [name, ...args] of commands) pipe.call(name, ...args);
    return ((await pipe.exec()) ?? []) as [Error | null, unknown][];
  }
  return Promise.all(
    commands.map(([name, ...args]) =>
      conn.call(name, ...args).then(
        (reply): [null, unknown] => [null, reply],
        (err: Error): [Error, unknown] => [err, undefined],
      ),
    ),
  );
}
