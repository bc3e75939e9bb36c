import { getRedis } from '../redis';
import { checkRedis } from '../health';
import { json } from '../http/api-route';
import { healthSchema } from '../data/dto-schemas';
import { defineOperation, jsonAnswer } from './operation';

/** Liveness and Redis status, for load balancers: no credentials needed. */
export const healthOperations = [
  defineOperation({
    method: 'get',
    path: '/api/health',
    summary: 'Whether the console reaches Redis (no credentials needed: for load balancers)',
    tag: 'meta',
    access: 'public',
    answers: { 200: jsonAnswer('Redis answers', healthSchema), 503: jsonAnswer('Redis does not answer (`Retry-After`)', healthSchema) },
    handler: async () => {
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
    },
  }),
];
