import { z } from 'zod';
import { getRedis } from '../redis';
import { checkRedisNodes } from '../health';
import { json } from '../http/api-route';
import { healthSchema } from '../data/dto-schemas';
import { defineOperation, jsonAnswer } from './operation';

/** The health answer; on a Redis Cluster with each master's state (one down master makes the whole degraded). */
const healthAnswer = healthSchema.extend({
  nodes: z.array(z.object({ node: z.string(), redis: z.enum(['up', 'down']), latencyMs: z.number().nullable(), error: z.string().optional() })).optional(),
});

/** Liveness and Redis status, for load balancers: no credentials needed. */
export const healthOperations = [
  defineOperation({
    method: 'get',
    path: '/api/health',
    summary: 'Whether the console reaches Redis (on a Redis Cluster: every master; no credentials needed: for load balancers)',
    tag: 'meta',
    access: 'public',
    answers: {
      200: jsonAnswer('Redis answers (every master of a cluster)', healthAnswer),
      503: jsonAnswer('Redis, or a master of the cluster, does not answer (`Retry-After`)', healthAnswer),
    },
    handler: async () => {
      let status;
      try {
        status = await checkRedisNodes(getRedis());
      } catch (err) {
        status = { redis: 'down' as const, latencyMs: null, error: (err as Error).message };
      }
      const up = status.redis === 'up';
      return json(
        { status: up ? 'ok' : 'degraded', redis: status.redis, latencyMs: status.latencyMs, ...('nodes' in status ? { nodes: status.nodes } : {}) },
        up ? 200 : 503,
        up ? undefined : { 'Retry-After': '5' },
      );
    },
  }),
];
