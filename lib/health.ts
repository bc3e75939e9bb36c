import type { RedisConnection } from './redis';

export interface RedisStatus {
  redis: 'up' | 'down';
  latencyMs: number | null;
  error?: string;
}

/** PING with a deadline: a Redis that does not answer within `timeoutMs` counts as down. */
export async function checkRedis(redis: RedisConnection, timeoutMs = 1000): Promise<RedisStatus> {
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
