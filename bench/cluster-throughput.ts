import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { createRedis, type RedisConnection } from '../lib/redis';
import { queueNamesFor } from '../lib/queue/queue-names';
import { startRedisCluster } from '../scripts/redis-cluster';
import { roundNoise } from './compare';
import { fmt, percentile, privateRedis, redisCpuUs, startTs, verdict, ROOT } from './support';

/**
 * The cluster section's throughput part (issue 15): the same no-op work — 6 queues,
 * 3 Celerity worker processes (bench/cluster-worker-child.ts, every feature on) — on
 * one Redis and on a 3-master Redis Cluster, side by side in interleaved rounds.
 * The queues are picked so that each master holds two. Each run fills the paused
 * queues, starts the workers, resumes the queues and times from the resume to the
 * last job's finishedOn. Redis CPU per job is read per master (its process's CPU, INFO cpu):
 * it is what one master can carry, and so how throughput scales with masters on paper.
 */

const JOBS = Number(process.env.BENCH_CLUSTER_JOBS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 5);
const QUEUES = 6;
const WORKERS = 3;
const MASTERS = 3;
const PREFIX = 'bench';
const CHILD = path.join(ROOT, 'bench/cluster-worker-child.ts');

interface Mode {
  name: 'one Redis' | '3-master cluster';
  url: string;
  /** Command connection (Redis or Cluster) for filling and watching the queues. */
  conn: RedisConnection;
  /** One connection per master, for commandstats and flushes. */
  masters: Redis[];
  clustered: boolean;
}

interface Run {
  jobsPerSec: number;
  /** Redis CPU per job on each master (µs), in master order. */
  redisUsPerMaster: number[];
  /** Jobs each master served. */
  jobsPerMaster: number[];
}

/** Two queues per master: names whose own hash tag lands in each master's slot range. */
async function spreadQueues(cluster: Cluster): Promise<string[]> {
  const ranges = (await cluster.cluster('SLOTS')).map(([from, to, master]) => ({ from, to, port: master![1] }));
  const perPort = new Map<number, string[]>();
  for (let i = 0; [...perPort.values()].flat().length < QUEUES && i < 1000; i++) {
    const name = `cq${i}`;
    const slot = Number(await cluster.cluster('KEYSLOT', `{${name}}`));
    const port = ranges.find((r) => slot >= r.from && slot <= r.to)!.port;
    const names = perPort.get(port) ?? [];
    if (names.length < QUEUES / MASTERS) perPort.set(port, [...names, name]);
  }
  return [...perPort.values()].flat();
}

async function completedCount(mode: Mode, queues: Queue[]): Promise<number> {
  const counts = await Promise.all(queues.map((q) => mode.conn.zcard(q.keys.completed!)));
  return counts.reduce((a, b) => a + b, 0);
}

async function runOnce(mode: Mode, names: string[]): Promise<Run> {
  const naming = queueNamesFor(mode.clustered);
  const queues = names.map((n) => new Queue(naming.toBull(n), { connection: mode.conn, prefix: PREFIX }));
  for (const [i, q] of queues.entries()) {
    await q.pause();
    for (let k = 0; k < JOBS; k += 1000) await q.addBulk(Array.from({ length: Math.min(1000, JOBS - k) }, () => ({ name: `noop-${names[i]}`, data: {} })));
  }
  const children = Array.from({ length: WORKERS }, () => startTs(CHILD, { REDIS_URL: mode.url, CELERITY_PREFIX: PREFIX }, /WORKER_READY/, names));
  try {
    await Promise.all(children.map((c) => c.ready));
    const cpu0 = await Promise.all(mode.masters.map((m) => redisCpuUs(m)));
    const t0 = Date.now();
    await Promise.all(queues.map((q) => q.resume()));
    const deadline = Date.now() + 600_000;
    while ((await completedCount(mode, queues)) < JOBS * QUEUES) {
      if (Date.now() > deadline) throw new Error(`${mode.name}: jobs not all completed within 10 min`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const last = await Promise.all(queues.map(async (q) => Number((await mode.conn.zrange(q.keys.completed!, -1, -1, 'WITHSCORES'))[1])));
    const usec = (await Promise.all(mode.masters.map((m) => redisCpuUs(m)))).map((u, i) => u - cpu0[i]!);
    const jobsPerMaster = mode.masters.map(() => (JOBS * QUEUES) / mode.masters.length);
    return {
      jobsPerSec: ((JOBS * QUEUES) / (Math.max(...last) - t0)) * 1000,
      redisUsPerMaster: usec.map((u, i) => u / jobsPerMaster[i]!),
      jobsPerMaster,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await Promise.all(queues.map((q) => q.close()));
    await Promise.all(mode.masters.map((m) => m.flushall()));
  }
}

async function masterConnections(ports: number[]): Promise<Redis[]> {
  return ports.map((port) => createRedis('command', `redis://127.0.0.1:${port}`) as Redis);
}

export async function benchClusterThroughput(): Promise<string> {
  const single = await privateRedis();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-bench-cluster-'));
  const cluster = await startRedisCluster({ dir, masters: MASTERS });
  const clusterConn = createRedis('command', cluster.url) as Cluster;
  const modes: Mode[] = [
    { name: 'one Redis', url: single.url, conn: createRedis('command', single.url), masters: await masterConnections([single.port]), clustered: false },
    { name: '3-master cluster', url: cluster.url, conn: clusterConn, masters: await masterConnections(await cluster.masterPorts()), clustered: true },
  ];
  try {
    const names = await spreadQueues(clusterConn);
    const runs = new Map<string, Run[]>(modes.map((m) => [m.name, []]));
    await runOnce(modes[0]!, names); // warm-up, not kept
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(k + r) % modes.length]!;
        const run = await runOnce(mode, names);
        runs.get(mode.name)!.push(run);
        console.log(`[bench] cluster throughput round ${r + 1}/${ROUNDS}: ${mode.name} ${fmt(run.jobsPerSec, 0)} jobs/s`);
      }
    }
    return report(runs, names);
  } finally {
    for (const m of modes) {
      m.conn.disconnect();
      for (const n of m.masters) n.disconnect();
    }
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
    await single.cleanup();
  }
}

const med = (xs: number[]) => percentile(xs, 50);

function report(runs: Map<string, Run[]>, names: string[]): string {
  const rates = (mode: string) => (runs.get(mode) ?? []).map((r) => r.jobsPerSec);
  const one = med(rates('one Redis'));
  const clu = med(rates('3-master cluster'));
  const row = (mode: string) =>
    `| ${mode} | ${fmt(med(rates(mode)), 0)} | ±${fmt(roundNoise(rates(mode)) * 100, 0)} % | ${rates(mode)
      .map((x) => fmt(x, 0))
      .join(', ')} |`;
  const perMasterUs = (mode: string) => {
    const rs = runs.get(mode) ?? [];
    return rs[0] ? rs[0].redisUsPerMaster.map((_, i) => med(rs.map((r) => r.redisUsPerMaster[i]!))) : [];
  };
  const oneUs = perMasterUs('one Redis')[0] ?? NaN;
  const cluUs = perMasterUs('3-master cluster');
  const ceiling = cluUs.reduce((s, us) => s + 1e6 / us, 0);
  return [
    `### Throughput on a Redis Cluster`,
    '',
    `Command: \`npm run bench -- cluster\` (env: BENCH_CLUSTER_JOBS=${JOBS} per queue, BENCH_CLUSTER_ROUNDS=${ROUNDS}). ${QUEUES} queues (${names.join(', ')}: two per master on the cluster), ${JOBS * QUEUES} no-op jobs per run, ${WORKERS} Celerity worker processes (every feature on, concurrency 50 per queue), on one private redis-server and on a private ${MASTERS}-master Redis Cluster (\`scripts/redis-cluster.ts\`), one run of each in turn per round (order rotating), after a warm-up run. Timed from the queues' resume to the last job's finishedOn. Everything — Redis nodes, workers, the bench — shares this machine's 2 cores, so the cluster cannot show its gain here, only its overhead.`,
    '',
    '| Redis | median (jobs/s) | rounds\u2019 spread | each round (jobs/s) |',
    '|---|---|---|---|',
    row('one Redis'),
    row('3-master cluster'),
    '',
    `Against the target (issue 15): cluster / one Redis = ${fmt(clu / one, 2)} (≥ 0.8: ${verdict(clu / one >= 0.8)}).`,
    '',
    `Scaling on paper: Redis CPU per job (each master's process CPU over the run, INFO cpu) is ${fmt(oneUs, 1)} µs on one Redis and ${cluUs.map((u) => fmt(u, 1)).join(' / ')} µs on the three masters. A Redis node runs commands on one thread, so one master carries at most ≈ 1,000,000 / µs-per-job jobs/s of Redis work: ${fmt(1e6 / oneUs, 0)} jobs/s for one Redis, ≈ ${fmt(ceiling, 0)} jobs/s for these ${MASTERS} masters together (per-master figure × masters), growing with masters as long as queues spread evenly over them. What limits it: one queue lives on one slot, so a single queue never goes beyond one master's figure; the workers' own CPU (about as much per job as Redis's, here on the same 2 cores); and an uneven spread of queues over masters (the busiest master sets the pace).`,
  ].join('\n');
}
