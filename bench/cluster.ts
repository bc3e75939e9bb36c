import { benchClusterThroughput } from './cluster-throughput';
import { benchClusterLive } from './cluster-live';
import { benchClusterPages } from './cluster-pages';
import { runParts } from './support';

/**
 * `npm run bench -- cluster`: Celerity on a Redis Cluster against one Redis, side by side
 * in one run (issue 15's performance figures). BENCH_CLUSTER_PARTS=throughput,live,pages
 * (default all) runs some of them; a part not run keeps its last text.
 */
export async function benchCluster(): Promise<string> {
  const parts = await runParts('cluster', 'BENCH_CLUSTER_PARTS', [
    { name: 'throughput', heading: '### Throughput on a Redis Cluster', run: benchClusterThroughput },
    { name: 'live', heading: '### Live: completion → client on a cluster', run: benchClusterLive },
    { name: 'pages', heading: '### Console pages on a cluster', run: benchClusterPages },
  ]);
  return ['## Redis Cluster', '', parts.join('\n\n'), '', `Run on ${new Date().toISOString().slice(0, 10)}.`].join('\n');
}
