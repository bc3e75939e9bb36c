import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis';

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
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !/NOSCRIPT/.test(err.message)) throw err;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
