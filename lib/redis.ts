import { Redis, type RedisOptions } from 'ioredis';
import { env, isSet } from './env';
import { managedRedisUrlIfRunning } from './managed-redis';

/**
 * Lazy Redis connections. Nothing here connects at import time: `next build`
 * imports these modules, and a connection made then would hang the build.
 */

/** The Redis URL this process should use: REDIS_URL, else the managed Redis of `npm start`. */
export function redisUrl(): string {
  const url = isSet('REDIS_URL') ? env().REDIS_URL : managedRedisUrlIfRunning();
  if (!url) {
    throw new Error(
      'REDIS_URL is not set and no managed Redis is running. Start everything with `npm start`, or set REDIS_URL=redis://host:port.',
    );
  }
  return url;
}

/** Options shared by every connection; `blocking` is for BullMQ workers and stream readers. */
function options(blocking: boolean): RedisOptions {
  return {
    // BullMQ requires null for blocking connections; commands wait for reconnection there.
    // Command connections give up after one reconnect attempt, so a console
    // request fails fast (503) while Redis is down instead of hanging.
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    connectionName: undefined,
  };
}

/** A new connection. Callers own it and must `quit()` it. */
export function createRedis(purpose: 'command' | 'blocking', url = redisUrl()): Redis {
  const client = new Redis(url, options(purpose === 'blocking'));
  // Errors surface through the health monitor and failing commands; an unhandled
  // 'error' event would otherwise crash the process while Redis is away.
  client.on('error', () => {});
  return client;
}

type Holder = { __celerityRedis?: Redis };
const holder = globalThis as unknown as Holder;

/**
 * The process-wide command connection (console routes, the enqueue client).
 * A singleton on globalThis so Next's hot reload reuses it instead of leaking.
 */
export function getRedis(): Redis {
  holder.__celerityRedis ??= createRedis('command');
  return holder.__celerityRedis;
}

/** Close the shared connection (process shutdown, tests). */
export async function closeRedis(): Promise<void> {
  const c = holder.__celerityRedis;
  holder.__celerityRedis = undefined;
  if (c) await c.quit().catch(() => c.disconnect());
}
