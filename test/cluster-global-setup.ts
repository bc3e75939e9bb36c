import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisCluster, type RunningRedisCluster } from '../scripts/redis-cluster';

let cluster: RunningRedisCluster | undefined;
let dir: string | undefined;

/**
 * The cluster suite's Redis (vitest.cluster.config.ts): a private 3-master Redis
 * Cluster of redis-server processes on free loopback ports. `redisUrl` is its
 * `redis+cluster://…` URL, so the files that run here unchanged (test/setup-file.ts
 * puts it in REDIS_URL) talk to a cluster; `redisPort` is one node's port.
 */
export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-test-cluster-'));
  cluster = await startRedisCluster({ dir, masters: 3 });
  project.provide('redisUrl', cluster.url);
  project.provide('redisPort', cluster.nodes[0]!.port);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
