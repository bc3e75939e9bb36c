import { Redis, type RedisOptions } from 'ioredis';
import { env, isSet } from './env';
import { managedRedisUrlIfRunning } from './managed-redis-state';

/**
 * Lazy Redis connections. Nothing here connects at import time: `next build`
 * imports these modules, and a connection made then would hang the build.
 */

/** The Redis URL this process should use: REDIS_URL, else the managed Redis of `npm start`. */
export function redisUrl(): string {
  const url = isSet('REDIS_URL') ? env().REDIS_URL : managedRedisUrlIfRunning();
  if (!url) {
    throw new Error('REDIS_URL is not set and no managed Redis is running. Start everything with `npm start`, or set REDIS_URL=redis://host:port.');
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

/** A new connection. Callers own it and must `quit()` it. */
export function createRedis(purpose: 'command' | 'blocking', url = redisUrl()): Redis {
  const client = new Redis(url, options(purpose === 'blocking'));
  // Errors surface through the health monitor and failing commands; an unhandled
  // 'error' event would otherwise crash the process while Redis is away.
  client.on('error', () => {});
  return client;
}

type Holder = { __celerityRedis?: Redis; __celerityFailFast?: boolean };
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
export function getRedis(): Redis {
  if (!holder.__celerityRedis) {
    const client = createRedis('command');
    if (holder.__celerityFailFast) {
      // ioredis reads these options on every command, so setting them now takes effect at once.
      const stopQueueing = () => {
        client.options.enableOfflineQueue = false;
      };
      client.once('ready', stopQueueing);
      // 'close' also ends a first attempt that never connected (Redis down at start).
      client.once('close', stopQueueing);
      // A Redis that accepts but never answers (stopped, swapping) gives a 503 instead of a request that hangs.
      client.options.commandTimeout = CONSOLE_COMMAND_TIMEOUT_MS;
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
