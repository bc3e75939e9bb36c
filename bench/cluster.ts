import { benchClusterThroughput } from './cluster-throughput';
import { benchClusterLive } from './cluster-live';
import { benchClusterPages } from './cluster-pages';

/**
 * `npm run bench -- cluster`: Celerity on a Redis Cluster against one Redis, side by side
 * in one run (issue 15's performance figures).
 */
export async function benchCluster(): Promise<string> {
  const parts = [await benchClusterThroughput(), '', await benchClusterLive(), '', await benchClusterPages()];
  return ['## Redis Cluster', '', ...parts, '', `Run on ${new Date().toISOString().slice(0, 10)}.`].join('\n');
}
