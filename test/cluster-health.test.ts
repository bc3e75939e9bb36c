import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { healthOperations } from '@/lib/api/health';
import { checkRedisNodes } from '@/lib/health';
import { closeRedis, createRedis } from '@/lib/redis';
import { isClusterUrl } from '@/lib/redis-url';
import { startRedisCluster } from '@/scripts/redis-cluster';
import { serveApi } from './api-server';
import { waitFor } from './helpers';

/**
 * /api/health on a Redis Cluster asks every master, not one random node: with
 * every master up it answers ok and lists them; with one master stopped (a
 * private cluster without replicas, so nobody takes over) it is degraded and
 * names that master, until it is back. Skipped on a single Redis.
 */
const onCluster = isClusterUrl(inject('redisUrl'));

afterAll(() => closeRedis());

describe.skipIf(!onCluster)('Redis health on a cluster', () => {
  it('GET /api/health: ok, with each of the three masters up', async () => {
    const api = await serveApi(healthOperations);
    try {
      const res = await fetch(`${api.base}/api/health`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; nodes: { node: string; redis: string }[] };
      expect(body.status).toBe('ok');
      expect(body.nodes).toHaveLength(3);
      expect(body.nodes.every((n) => n.redis === 'up')).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('one master stopped: down, named, the others up; back: up again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-cluster-health-'));
    const cluster = await startRedisCluster({ dir, masters: 3 });
    const redis = createRedis('command', cluster.url);
    try {
      await redis.ping();
      const all = await checkRedisNodes(redis);
      expect(all.redis).toBe('up');
      expect(all.nodes?.map((n) => n.node).sort()).toEqual(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).sort());
      const stopped = cluster.nodes[1]!;
      await stopped.stop();
      const degraded = await waitFor(
        'the stopped master reported down',
        () => checkRedisNodes(redis, 500),
        (s) => s.redis === 'down',
      );
      expect(degraded.nodes?.filter((n) => n.redis === 'down').map((n) => n.node)).toEqual([`127.0.0.1:${stopped.port}`]);
      expect(degraded.nodes?.filter((n) => n.redis === 'up')).toHaveLength(2);
      expect(degraded.error).toContain(`127.0.0.1:${stopped.port}`);
      await cluster.restartNode(stopped.port);
      const back = await waitFor(
        'every master up again',
        () => checkRedisNodes(redis, 500),
        (s) => s.redis === 'up',
      );
      expect(back.nodes).toHaveLength(3);
    } finally {
      redis.disconnect();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
