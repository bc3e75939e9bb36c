import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { E2E_VARS } from '../support/e2e-env';
import { keepStack, serviceEnv, startConsoleAndWorker, stopStack, type Stack } from '../support/stack';
import { distDir } from '../../scripts/build-if-stale';
import { freePort } from '../../scripts/redis-server';
import { startRedisCluster } from '../../scripts/redis-cluster';
import { buildWithoutRedisIfStale } from '../../test/build-tripwire';
import { keepCluster } from './cluster-holder';

/**
 * The cluster smoke's services: a private 3-master Redis Cluster
 * (scripts/redis-cluster.ts), one console and one demo worker on it
 * (REDIS_URL=redis+cluster://…), from the production build in NEXT_DIST_DIR.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const logDir = path.join(root, 'test-results', 'cluster-services');
  mkdirSync(logDir, { recursive: true });
  // While others edit the sources, CELERITY_E2E_SKIP_BUILD=1 tests the last good build (as the main suite does).
  if (process.env.CELERITY_E2E_SKIP_BUILD !== '1' || !existsSync(path.join(root, distDir(), 'BUILD_ID'))) await buildWithoutRedisIfStale(root);
  const stack: Stack = { dir: mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-cluster-')), logDir, services: [] };
  const cluster = await startRedisCluster({ dir: path.join(stack.dir, 'cluster'), masters: 3 });
  keepCluster(cluster);
  keepStack('cluster', stack);
  try {
    const prefix = `e2ec${randomBytes(4).toString('hex')}`;
    const env = serviceEnv({ redisUrl: cluster.url, prefix, port: await freePort(), dataDir: path.join(stack.dir, 'data') });
    const { baseURL } = await startConsoleAndWorker(stack, root, env);
    process.env[E2E_VARS.baseURL] = baseURL;
    process.env[E2E_VARS.redisUrl] = cluster.url;
    process.env[E2E_VARS.prefix] = prefix;
    process.env[E2E_VARS.logDir] = logDir;
    console.log(`[e2e:cluster] console ${baseURL} · cluster ${cluster.url} · prefix ${prefix}`);
  } catch (err) {
    await stopStack(stack);
    await cluster.stop();
    throw err;
  }
}
