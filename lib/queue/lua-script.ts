import { createHash } from 'node:crypto';
import { isCluster, type RedisConnection } from '../redis';
import { keysOffSlot } from '../redis-slot';

/**
 * A Lua script run by its SHA1 (EVALSHA), loaded on first use and again after
 * Redis forgets it (restart, SCRIPT FLUSH): the script text crosses the
 * network once, not on every call.
 */
export interface LuaScript {
  run(redis: RedisConnection, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      if (isCluster(redis)) assertOneSlot(keys);
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !/NOSCRIPT/.test(err.message)) throw err;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

/**
 * On a Redis Cluster a script runs on the node of its keys, and all of them must
 * share one slot: say which key would cross (a missing hash tag is a bug in the
 * key's name), rather than Redis's bare CROSSSLOT, and refuse a script without
 * keys, which ioredis would send to any node.
 */
function assertOneSlot(keys: readonly string[]): void {
  if (!keys.length) throw new Error('Lua script without keys: on a Redis Cluster it must declare a key of the slot it works on');
  const off = keysOffSlot(keys);
  if (off.length) throw new Error(`Lua script keys cross Redis Cluster hash slots: ${off.join(', ')} not on the slot of ${keys[0]} (give them one hash tag)`);
}
