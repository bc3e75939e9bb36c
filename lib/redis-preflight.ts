import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { EnvError } from './env';
import { isClusterUrl, parseClusterUrl, type ClusterSeed, type ClusterUrl } from './redis-url';
import { redisUrl } from './redis';

/**
 * Checks made once at start (console and worker) so that a REDIS_URL of the
 * wrong kind stops the process with a message naming the setting, instead of
 * MOVED or CROSSSLOT errors on some later request, or a cluster client that
 * retries forever against a node that is not in cluster mode.
 *
 * - `redis://` pointing at a cluster node: refused (commands for other nodes' slots would fail with MOVED).
 * - `redis+cluster://` with a node that is not in cluster mode: refused ("cluster support disabled").
 * - `redis+cluster://` with a node that does not answer: refused when no node answers, or when the
 *   silent node is not a member of the cluster the others belong to (a typo); a known member that is
 *   down (being failed over) only gives a warning: the cluster works without it.
 *
 * A single Redis that does not answer is not refused here: the worker and the console wait for it,
 * as they always have.
 */
export interface PreflightReport {
  /** Things worth a log line that do not stop the process. */
  warnings: string[];
}

const CONNECT_TIMEOUT_MS = 3000;

/** {@link checkRedisTopology} of this process's Redis (REDIS_URL or the managed one); nothing to check when there is none yet. */
export async function checkConfiguredRedis(): Promise<PreflightReport> {
  let url: string;
  try {
    url = redisUrl();
  } catch {
    return { warnings: [] }; // no URL: the first connection says so, as before
  }
  return checkRedisTopology(url);
}

/** Check REDIS_URL's kind against what its nodes say; throws an EnvError naming REDIS_URL. */
export async function checkRedisTopology(url: string): Promise<PreflightReport> {
  if (!isClusterUrl(url)) return checkSingle(url);
  return checkCluster(parseClusterUrl(url));
}

async function checkSingle(url: string): Promise<PreflightReport> {
  const node = new Redis(url, probeOptions());
  node.on('error', () => {});
  try {
    await node.connect();
    const info = String(await node.info('cluster'));
    if (/cluster_enabled:1/.test(info)) {
      const at = `${node.options.host}:${node.options.port}`;
      throw invalid(
        `${at} is a Redis Cluster node (cluster_enabled:1), but the URL is a single-Redis one: commands for keys on other nodes would fail with MOVED. Use redis+cluster://${at},<other nodes>`,
      );
    }
  } catch (err) {
    if (err instanceof EnvError) throw err;
    // Down, or refusing INFO: the usual connection handling reports it.
  } finally {
    node.disconnect();
  }
  return { warnings: [] };
}

type SeedAnswer = { seed: ClusterSeed; ok: true; clusterNodes: string } | { seed: ClusterSeed; ok: false; error: string };

async function checkCluster(url: ClusterUrl): Promise<PreflightReport> {
  const answers = await Promise.all(url.seeds.map((seed) => probeSeed(url, seed)));
  const reached = answers.filter((a) => a.ok);
  const silent = answers.filter((a) => !a.ok);
  if (!reached.length) {
    throw invalid(`no node of the cluster answers (${silent.map((a) => `${addr(a.seed)}: ${a.error}`).join('; ')})`);
  }
  const members = new Set(reached.flatMap((a) => memberAddresses(a.clusterNodes)));
  const warnings: string[] = [];
  for (const a of silent) {
    const where = addr(a.seed);
    // Only an address can be compared with CLUSTER NODES (which lists IPs): a silent host name gets the benefit of the doubt.
    if (isIP(a.seed.host) && !members.has(where)) {
      throw invalid(`node ${where} does not answer (${a.error}) and is not a member of the cluster of ${addr(reached[0]!.seed)}`);
    }
    warnings.push(`REDIS_URL: cluster node ${where} does not answer (${a.error}); the cluster is used through its other nodes`);
  }
  return { warnings };
}

async function probeSeed(url: ClusterUrl, seed: ClusterSeed): Promise<SeedAnswer> {
  const node = new Redis({
    ...probeOptions(),
    host: seed.host,
    port: seed.port,
    username: url.username,
    password: url.password,
    ...(url.tls ? { tls: {} } : {}),
  });
  node.on('error', () => {});
  try {
    await node.connect();
    const info = String(await node.info('cluster'));
    if (!/cluster_enabled:1/.test(info)) {
      throw invalid(`node ${addr(seed)} is not in cluster mode (cluster support disabled): use redis://${addr(seed)} for a single Redis`);
    }
    return { seed, ok: true, clusterNodes: String(await node.call('CLUSTER', 'NODES')) };
  } catch (err) {
    if (err instanceof EnvError) throw err;
    const message = (err as Error).message;
    if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message)) throw invalid(`node ${addr(seed)} refused the credentials (${message})`);
    return { seed, ok: false, error: message };
  } finally {
    node.disconnect();
  }
}

/** `host:port` of every node in a CLUSTER NODES reply (`<id> <ip:port@cport[,hostname]> <flags> …`). */
function memberAddresses(clusterNodes: string): string[] {
  return clusterNodes
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter(Boolean)
    .map((a) => a.split('@')[0]!);
}

function probeOptions() {
  // One attempt, no queueing: a node that does not answer is a fact to report, not to wait out.
  return { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false };
}

function addr(seed: ClusterSeed): string {
  return seed.host.includes(':') ? `[${seed.host}]:${seed.port}` : `${seed.host}:${seed.port}`;
}

function invalid(message: string): EnvError {
  return new EnvError(`Invalid configuration:\n  REDIS_URL: ${message}`);
}
