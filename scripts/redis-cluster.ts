import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type RunningRedis } from './redis-server';

/**
 * A real Redis Cluster of local `redis-server` processes on free loopback ports:
 * used by the cluster test suite, the cluster benchmarks and `npm run redis:cluster`.
 * Each node is started as the single-Redis harness starts one (scripts/redis-server.ts),
 * with cluster mode on, then joined by `redis-cli --cluster create`.
 */

export interface RedisClusterOptions {
  /** Parent directory; each node gets its own sub-directory (nodes.conf, AOF). */
  dir: string;
  /** Number of masters (≥ 3: `redis-cli --cluster create` refuses fewer). */
  masters?: number;
  /** Replicas per master (1 for failover tests). */
  replicasPerMaster?: number;
  /** Persist with AOF (managed use); tests leave it off. */
  appendonly?: boolean;
  /** How long a silent master has before its replica is promoted. Short, so failover tests stay short. */
  nodeTimeoutMs?: number;
}

export interface RunningRedisCluster {
  /** `redis+cluster://127.0.0.1:A,127.0.0.1:B,…`: every node as a seed (Celerity's REDIS_URL form). */
  url: string;
  nodes: RunningRedis[];
  /** Ports of the nodes that are masters right now. */
  masterPorts(): Promise<number[]>;
  /**
   * Start again a node that was stopped or killed, on its port and with its
   * nodes.conf: it rejoins the cluster (a killed master comes back as a replica
   * of the one that replaced it).
   */
  restartNode(port: number): Promise<void>;
  /** Ports of the replicas of the master on `port`. */
  replicasOf(port: number): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startRedisCluster(opts: RedisClusterOptions): Promise<RunningRedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 0;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const nodes: RunningRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startNode(opts, i, await freePort()));
    await createCluster(
      nodes.map((n) => n.port),
      replicas,
    );
    await waitForClusterOk(
      nodes.map((n) => n.port),
      masters,
      replicas,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    masterPorts: () => masterPorts(nodes.map((n) => n.port)),
    replicasOf: (port) =>
      replicasOf(
        nodes.map((n) => n.port),
        port,
      ),
    async restartNode(port) {
      const i = nodes.findIndex((n) => n.port === port);
      if (i < 0) throw new Error(`no cluster node on port ${port}`);
      await nodes[i]!.stop();
      nodes[i] = await startNode(opts, i, port);
    },
    stop,
  };
}

async function startNode(opts: RedisClusterOptions, index: number, port: number): Promise<RunningRedis> {
  const dir = path.join(opts.dir, `node-${index}-${port}`);
  return startRedisServer({
    port,
    dir,
    appendonly: opts.appendonly ?? false,
    extraArgs: [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      path.join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      String(opts.nodeTimeoutMs ?? 2000),
      // A replica that lost touch for a while still takes over: failover tests kill masters on purpose.
      '--cluster-replica-validity-factor',
      '0',
    ],
  });
}

function createCluster(ports: number[], replicas: number): Promise<void> {
  const args = ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'];
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create failed (${code}): ${output.slice(-500)}`))));
  });
}

/**
 * Every node says cluster_state:ok and sees the final roles (the replicas are assigned a moment after
 * `--cluster create` returns), and every replica has synced: only then do clients see one stable slot
 * map, and a failover test can rely on a replica that holds the data.
 */
async function waitForClusterOk(ports: number[], masters: number, replicas: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await Promise.all(ports.map((p) => nodeReady(p, masters, replicas)))).every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster on ports ${ports.join(',')} not ok within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function nodeReady(port: number, masters: number, replicas: number): Promise<boolean> {
  return withNode(port, async (r) => {
    const info = String(await r.call('CLUSTER', 'INFO'));
    if (!info.includes('cluster_state:ok')) return false;
    const roles = parseNodes(String(await r.call('CLUSTER', 'NODES')));
    if (roles.filter((n) => n.master).length !== masters || roles.filter((n) => !n.master).length !== masters * replicas) return false;
    const replication = String(await r.call('INFO', 'replication'));
    return replication.includes('role:master') || replication.includes('master_link_status:up');
  }).catch(() => false);
}

interface NodeLine {
  id: string;
  /** A replica's master id ('-' for a master). */
  masterId: string;
  port: number;
  master: boolean;
  failed: boolean;
}

function parseNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [id = '', addr = '', flagText = '', masterId = '-'] = l.split(' ');
      const flags = flagText.split(',');
      return { id, masterId, port: Number(/:(\d+)@/.exec(addr)?.[1]), master: flags.includes('master'), failed: flags.some((f) => f.startsWith('fail')) };
    });
}

async function masterPorts(ports: number[]): Promise<number[]> {
  for (const port of ports) {
    const text = await withNode(port, async (r) => String(await r.call('CLUSTER', 'NODES'))).catch(() => undefined);
    if (text)
      return parseNodes(text)
        .filter((n) => n.master && !n.failed)
        .map((n) => n.port);
  }
  throw new Error('no cluster node answers');
}

async function replicasOf(ports: number[], masterPort: number): Promise<number[]> {
  for (const port of ports) {
    const text = await withNode(port, async (r) => String(await r.call('CLUSTER', 'NODES'))).catch(() => undefined);
    if (!text) continue;
    const nodes = parseNodes(text);
    const master = nodes.find((n) => n.port === masterPort);
    return master ? nodes.filter((n) => n.masterId === master.id).map((n) => n.port) : [];
  }
  throw new Error('no cluster node answers');
}

async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}
