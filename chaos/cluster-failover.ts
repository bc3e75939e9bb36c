import calculateSlot from 'cluster-key-slot';
import { Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import { createRedis } from '../lib/redis';
import { startRedisCluster, type RunningRedisCluster } from '../scripts/redis-cluster';
import { runTs, type Proc } from '../test/helpers';
import { CHAOS_QUEUE } from './chaos-tasks';

/**
 * Scale-out chaos (issue 15): a 3-master Redis Cluster with one replica per master,
 * a worker and a producer on it; the master that holds the chaos queue is killed
 * with kill -9 while jobs flow. Its replica takes over; the worker and the producer
 * must carry on by themselves. Redis replicates asynchronously, so a job the killed
 * master acknowledged may be missing from the promoted replica: such losses are
 * counted, separately for calls made with `waitForReplicas` (which must lose none).
 */

export interface ClusterFailoverReport {
  acknowledged: { wait: number; nowait: number };
  lost: { wait: number; nowait: number };
  /**
   * Calls that threw: during the failover, and waitForReplicas calls while the new master had no
   * replica yet. Their outcome was unknown to the caller, so they are not counted as lost.
   */
  refused: number;
  /** Acknowledged jobs whose handler started more than once. */
  ranTwice: number;
  /** From the kill to a replica serving the slot as master. */
  failoverMs: number;
  /** From the kill to the first completion of a job enqueued after it. */
  recoveryMs: number;
}

export interface ClusterFailoverOptions {
  dir: string;
  /** Acknowledged enqueues before the kill, while the replica lags, and after the kill. */
  before?: number;
  lagging?: number;
  after?: number;
}

const PREFIX = 'chaos';

export async function clusterFailover(opts: ClusterFailoverOptions): Promise<ClusterFailoverReport> {
  const cluster = await startRedisCluster({ dir: opts.dir, masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
  const conn = createRedis('command', cluster.url) as Cluster;
  const env = { REDIS_URL: cluster.url, CELERITY_PREFIX: PREFIX, CELERITY_LOG_LEVEL: 'warn' };
  const procs: Proc[] = [];
  try {
    const worker = runTs(
      'cli/celerity.ts', // Short locks: a job whose completion died with the master is taken back within seconds, not a minute.
      ['worker', '-A', 'chaos/chaos-tasks.ts', '--concurrency', '10', '--loglevel', 'info', '--lock-duration', '4000', '--stalled-interval', '2000'],
      env,
    );
    procs.push(worker);
    await worker.waitForOutput(/worker ready/, 60_000);
    const [nowait, wait] = [runTs('chaos/cluster-producer.ts', ['nowait'], env), runTs('chaos/cluster-producer.ts', ['wait'], env)];
    procs.push(nowait, wait);
    const out = () => `${nowait.output()}\n${wait.output()}`;
    const both = async (n: number, timeoutMs?: number) => {
      const [a, b] = [acks(nowait.output()).length, acks(wait.output()).length];
      await Promise.all([untilAcks(nowait, a + n, timeoutMs), untilAcks(wait, b + n, timeoutMs)]);
    };
    await both(opts.before ?? 100);
    // The replica falls behind while the producers go on: frozen (SIGSTOP), and its link cut by the
    // master (what was already sent waits in the replica's socket buffer; nothing more is). What the
    // master acknowledges meanwhile exists only on the master: the window asynchronous replication always
    // has, here widened from microseconds to many jobs so that the count shows what waitForReplicas prevents.
    const masterPort = queueMaster(cluster, conn);
    const [replicaPort] = await cluster.replicasOf(masterPort);
    const replica = cluster.nodes.find((n) => n.port === replicaPort);
    if (!replica) throw new Error(`the master on ${masterPort} has no replica`);
    replica.child.kill('SIGSTOP');
    await cutReplicaLinks(masterPort);
    await untilAcks(nowait, acks(nowait.output()).length + (opts.lagging ?? 20));
    const killedAt = Date.now();
    const nowaitAtKill = acks(nowait.output()).length;
    await killNode(cluster, masterPort);
    replica.child.kill('SIGCONT');
    const failoverMs = (await newMasterServing(cluster, masterPort)) - killedAt;
    // The new master has no replica until the old one is back (as its replica): until then
    // waitForReplicas calls are refused, as they should be.
    await cluster.restartNode(masterPort);
    await both(opts.after ?? 100, 120_000);
    for (const p of [nowait, wait]) p.child.kill('SIGTERM');
    await Promise.all([nowait, wait].map((p) => p.waitForOutput(/DONE/, 30_000)));
    const firstAfter = acks(nowait.output())[nowaitAtKill];
    const report = await settle(conn, out(), worker.output());
    const recoveredAt = firstAfter ? await finishedOn(conn, firstAfter.id) : NaN;
    return { ...report, failoverMs, recoveryMs: recoveredAt - killedAt };
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    conn.disconnect();
    await cluster.stop();
  }
}

interface Ack {
  id: string;
  wait: boolean;
  tag: string;
}

function acks(output: string): Ack[] {
  return [...output.matchAll(/^ACK (\S+) (wait|nowait) (\S+)$/gm)].map((m) => ({ id: m[1]!, wait: m[2] === 'wait', tag: m[3]! }));
}

async function untilAcks(producer: Proc, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (acks(producer.output()).length < count) {
    if (Date.now() > deadline) throw new Error(`only ${acks(producer.output()).length} of ${count} enqueues acknowledged:\n${producer.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The port of the master that owns the chaos queue's slot. */
function queueMaster(cluster: RunningRedisCluster, conn: Cluster): number {
  const address = conn.slots[calculateSlot(`{${CHAOS_QUEUE}}`)]?.[0];
  const node = cluster.nodes.find((n) => `127.0.0.1:${n.port}` === address);
  if (!node) throw new Error(`no node serves the slot of {${CHAOS_QUEUE}} (${address})`);
  return node.port;
}

async function cutReplicaLinks(masterPort: number): Promise<void> {
  const master = createRedis('command', `redis://127.0.0.1:${masterPort}`);
  try {
    await master.call('CLIENT', 'KILL', 'TYPE', 'replica');
  } finally {
    master.disconnect();
  }
}

/** Kill -9 the node on `port`. */
async function killNode(cluster: RunningRedisCluster, port: number): Promise<void> {
  const node = cluster.nodes.find((n) => n.port === port)!;
  node.child.kill('SIGKILL');
  await new Promise((r) => node.child.once('exit', r));
}

/** When another node (the killed master's replica) serves the queue's slot, as the surviving nodes say. */
async function newMasterServing(cluster: RunningRedisCluster, killedPort: number): Promise<number> {
  const slot = calculateSlot(`{${CHAOS_QUEUE}}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const owner = await slotOwner(cluster, slot, killedPort);
    if (owner !== undefined && owner !== killedPort) return Date.now();
    if (Date.now() > deadline) throw new Error('no replica took over within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The port of the master serving `slot`, asked of a node other than `notPort`. */
async function slotOwner(cluster: RunningRedisCluster, slot: number, notPort: number): Promise<number | undefined> {
  const node = cluster.nodes.find((n) => n.port !== notPort && n.child.exitCode === null);
  if (!node) return undefined;
  const probe = createRedis('command', `redis://127.0.0.1:${node.port}`, { maxRetriesPerRequest: 0 });
  try {
    const ranges = (await probe.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    return ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** Wait for the queue to drain, then sort every acknowledged job into completed or lost. */
async function settle(conn: Cluster, producerOut: string, workerOut: string): Promise<Omit<ClusterFailoverReport, 'failoverMs' | 'recoveryMs'>> {
  const queue = new Queue(`{${CHAOS_QUEUE}}`, { connection: conn, prefix: PREFIX });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed');
      if (c.failed) throw new Error(`${c.failed} chaos jobs failed`);
      if (!c.wait && !c.active && !c.delayed && !c.prioritized) break;
      if (Date.now() > deadline) throw new Error(`the chaos queue did not drain: ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const all = acks(producerOut);
    const lost = { wait: 0, nowait: 0 };
    for (const a of all) if (!(await completedWithTag(conn, a))) lost[a.wait ? 'wait' : 'nowait']++;
    const starts = new Map<string, number>();
    for (const m of workerOut.matchAll(/^CHAOS start (\S+) /gm)) starts.set(m[1]!, (starts.get(m[1]!) ?? 0) + 1);
    // An id handed out twice (a lost job's id given again after the failover) started twice for two jobs.
    const issued = new Map<string, number>();
    for (const a of all) issued.set(a.id, (issued.get(a.id) ?? 0) + 1);
    return {
      acknowledged: { wait: all.filter((a) => a.wait).length, nowait: all.filter((a) => !a.wait).length },
      lost,
      refused: (producerOut.match(/^ERR /gm) ?? []).length,
      ranTwice: all.filter((a) => (starts.get(a.id) ?? 0) > (issued.get(a.id) ?? 0)).length,
    };
  } finally {
    await queue.close();
  }
}

/** Whether the job acknowledged as `a` completed: its id holds its tag (not another job's) and a finish time. */
async function completedWithTag(conn: Cluster, a: Ack): Promise<boolean> {
  const [data, finished] = await conn.hmget(`${PREFIX}:{${CHAOS_QUEUE}}:${a.id}`, 'data', 'finishedOn');
  return Boolean(finished) && (JSON.parse(data ?? '{}') as { tag?: string }).tag === a.tag;
}

/** A job's finishedOn (ms), 0 when it has not completed (or is gone). */
async function finishedOn(conn: Cluster, id: string): Promise<number> {
  return Number((await conn.hget(`${PREFIX}:{${CHAOS_QUEUE}}:${id}`, 'finishedOn')) ?? 0);
}
