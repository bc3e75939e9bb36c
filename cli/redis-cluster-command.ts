/**
 * `celerity redis:cluster`: a local Redis Cluster (3 masters by default) of `redis-server`
 * processes on free loopback ports, in the foreground until Ctrl-C. It prints the REDIS_URL
 * that points the console, workers and clients at it. Each run starts an empty cluster:
 * it is for trying cluster mode and for tests, not a place to keep data.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { env } from '../lib/env';
import { startRedisCluster } from '../scripts/redis-cluster';
import { UsageError } from './usage-error';

export interface RedisClusterFlags {
  masters?: string;
  replicas?: string;
}

export async function runRedisClusterCommand(flags: RedisClusterFlags): Promise<void> {
  const masters = count('--masters', flags.masters ?? '3', 3);
  const replicasPerMaster = count('--replicas', flags.replicas ?? '0', 0);
  const parent = path.resolve(process.cwd(), env().CELERITY_DATA_DIR);
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, 'cluster-'));
  const cluster = await startRedisCluster({ dir, masters, replicasPerMaster });
  console.log(`Redis Cluster: ${masters} masters, ${replicasPerMaster} replica(s) each. Use it with:`);
  console.log(`  REDIS_URL=${cluster.url}`);
  console.log('Ctrl-C stops it and deletes its data.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

function count(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 16) throw new UsageError(`${flag} must be a whole number from ${min} to 16 (got "${raw}")`);
  return n;
}
