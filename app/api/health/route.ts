import { getRedis } from '@/lib/redis';
import { checkRedis } from '@/lib/health';
import { json } from '@/lib/http/api-route';

export const dynamic = 'force-dynamic';

/** Liveness and Redis status: 200 when Redis answers, 503 (with Retry-After) when it does not. */
export async function GET(): Promise<Response> {
  let status;
  try {
    status = await checkRedis(getRedis());
  } catch (err) {
    status = { redis: 'down' as const, latencyMs: null, error: (err as Error).message };
  }
  const up = status.redis === 'up';
  return json(
    { status: up ? 'ok' : 'degraded', redis: status.redis, latencyMs: status.latencyMs },
    up ? 200 : 503,
    up ? undefined : { 'Retry-After': '5' },
  );
}
