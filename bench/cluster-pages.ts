import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createRedis, forEachMaster, type RedisConnection } from '../lib/redis';
import { queueNamesFor } from '../lib/queue/queue-names';
import { startRedisCluster } from '../scripts/redis-cluster';
import { buildIfStale } from '../scripts/build-if-stale';
import { freePort } from '../scripts/redis-server';
import { seedCompleted } from './seed-completed';
import { benchDistDir, fmt, percentile, privateRedis, startTs, timeGet, verdict, ROOT, type Child } from './support';

/**
 * The cluster section's console part (issue 15: "page p95 … within 1.25× of the
 * single-Redis figures, in the same run"): one console on one Redis and one on a
 * 3-master Redis Cluster, the same data in both (6 queues of completed jobs, written
 * in BullMQ's layout by bench/seed-completed.ts; on the cluster under each queue's
 * hash-tagged name, so the queues spread over the masters), and the console's
 * pages and the API reads behind them timed request for request, alternating
 * between the two consoles so that the machine's load lands on both alike.
 */

const JOBS = Number(process.env.BENCH_CLUSTER_PAGE_JOBS ?? 20_000);
const SAMPLES = Number(process.env.BENCH_CLUSTER_PAGE_SAMPLES ?? 200);
const QUEUES = Array.from({ length: 6 }, (_, i) => `pages${i}`);
const PREFIX = 'benchcp';
/** The samples are cut into this many rounds: the spread of the per-round ratios is the run's noise. */
const ROUNDS = 4;

type UrlFn = (i: number) => string;

/** What is timed: the pages (server-rendered HTML) and the API reads they and their live updates make. */
const REQUESTS: { name: string; url: UrlFn }[] = [
  { name: 'dashboard page `/`', url: () => '/' },
  { name: 'queue page `/queues/pages0`', url: () => '/queues/pages0' },
  { name: 'job page `/queues/pages1/jobs/<id>`', url: (i) => `/queues/pages1/jobs/${jobId(i)}` },
  { name: 'API queue list (dashboard counts)', url: () => '/api/v1/queues' },
  { name: 'API dashboard figures', url: () => '/api/v1/dashboard' },
  { name: 'API job list page (10 jobs)', url: (i) => `/api/v1/queues/${QUEUES[i % QUEUES.length]}/jobs?state=completed&pageSize=10&page=${(i % 5) + 1}` },
  { name: 'API job detail', url: (i) => `/api/v1/queues/${QUEUES[i % QUEUES.length]}/jobs/${jobId(i)}` },
  { name: 'API results search (all queues)', url: () => '/api/v1/results?state=completed&q=needle' },
];

const jobId = (i: number) => String(1 + ((i * 7919) % JOBS));

interface Target {
  name: 'one Redis' | '3-master cluster';
  base: string;
  child: Child;
}

/** SAMPLES requests per target after a warm-up, alternating targets (order rotating per request). */
async function measure(targets: Target[], url: UrlFn): Promise<number[][]> {
  for (let i = 0; i < 10; i++) for (const t of targets) await timeGet(t.base + url(i));
  const times: number[][] = targets.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = (i + k) % targets.length;
      times[t]!.push(await timeGet(targets[t]!.base + url(i)));
    }
  }
  return times;
}

/** Seed the six queues on a connection, under their BullMQ names there. */
async function seed(conn: RedisConnection, clustered: boolean): Promise<void> {
  const names = queueNamesFor(clustered);
  for (const q of QUEUES) await seedCompleted(conn, PREFIX, names.toBull(q), 0, JOBS);
}

export async function benchClusterPages(): Promise<string> {
  const distDir = benchDistDir();
  if (process.env.BENCH_SKIP_BUILD !== '1') await buildIfStale(ROOT);
  const single = await privateRedis();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-bench-cluster-pages-'));
  const cluster = await startRedisCluster({ dir, masters: 3 });
  const conns: RedisConnection[] = [createRedis('command', single.url), createRedis('command', cluster.url)];
  const targets: Target[] = [];
  try {
    await seed(conns[0]!, false);
    await seed(conns[1]!, true);
    for (const [name, url] of [
      ['one Redis', single.url],
      ['3-master cluster', cluster.url],
    ] as const) {
      const port = await freePort();
      const env = {
        REDIS_URL: url,
        CELERITY_PREFIX: PREFIX,
        PORT: String(port),
        NODE_ENV: 'production',
        CELERITY_LOG_LEVEL: 'warn',
        NEXT_TELEMETRY_DISABLED: '1',
        NEXT_DIST_DIR: distDir,
      };
      targets.push({ name, base: `http://127.0.0.1:${port}`, child: startTs('server.ts', env, /CELERITY_READY/) });
    }
    await Promise.all(targets.map((t) => t.child.ready));
    const rows: Row[] = [];
    for (const r of REQUESTS) {
      const [one, clustered] = await measure(targets, r.url);
      rows.push({ name: r.name, one: one!, cluster: clustered! });
      console.log(`[bench] cluster pages ${r.name}: p95 ${fmt(percentile(one!, 95))} / ${fmt(percentile(clustered!, 95))} ms`);
    }
    return report(rows, await mastersUsed(cluster.url));
  } finally {
    for (const t of targets) await t.child.stop();
    for (const c of conns) c.disconnect();
    await single.cleanup();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many masters hold the queues (each queue's meta hash), to show the data really is spread. */
async function mastersUsed(url: string): Promise<number> {
  const conn = createRedis('command', url);
  try {
    const names = queueNamesFor(true);
    const perNode = await forEachMaster(
      conn,
      async (node: Redis) => (await Promise.all(QUEUES.map((q) => node.keys(`${PREFIX}:${names.toBull(q)}:meta`)))).flat().length,
    );
    return perNode.filter((n) => n > 0).length;
  } finally {
    conn.disconnect();
  }
}

interface Row {
  name: string;
  one: number[];
  cluster: number[];
}

/** p95 ratio (cluster / one Redis) of each round: consecutive slices of the samples, taken at the same times for both. */
function roundRatios(r: Row): number[] {
  const per = Math.ceil(r.one.length / ROUNDS);
  return Array.from(
    { length: ROUNDS },
    (_, k) => percentile(r.cluster.slice(k * per, (k + 1) * per), 95) / percentile(r.one.slice(k * per, (k + 1) * per), 95),
  );
}

function report(rows: Row[], masters: number): string {
  const ratio = (r: Row) => percentile(r.cluster, 95) / percentile(r.one, 95);
  const spread = (r: Row) => {
    const rr = roundRatios(r);
    return `${fmt(Math.min(...rr), 2)}–${fmt(Math.max(...rr), 2)}`;
  };
  const line = (r: Row) =>
    `| ${r.name} | ${fmt(percentile(r.one, 50))} / ${fmt(percentile(r.one, 95))} | ${fmt(percentile(r.cluster, 50))} / ${fmt(percentile(r.cluster, 95))} | ${fmt(percentile(r.cluster, 50) / percentile(r.one, 50), 2)} | ${fmt(ratio(r), 2)} | ${spread(r)} |`;
  const pages = rows.filter((r) => !r.name.startsWith('API'));
  const worst = Math.max(...rows.map(ratio));
  return `### Console pages on a cluster

Command: \`npm run bench -- cluster\` (this part alone: \`node --import tsx -e "import('./bench/cluster-pages.ts').then(m => m.benchClusterPages()).then(console.log)"\`; env BENCH_CLUSTER_PAGE_JOBS=${JOBS}, BENCH_CLUSTER_PAGE_SAMPLES=${SAMPLES}). Two consoles (production build, \`server.ts\`), one on a private redis-server, one on a private 3-master Redis Cluster (the six queues' meta hashes on ${masters} of its masters), the same data in both: 6 queues × ${JOBS.toLocaleString('en')} completed jobs. ${SAMPLES} sequential GETs per row and console after a warm-up, the consoles alternating request by request (order rotating), from this process over loopback. Latencies in ms, p50 / p95.

| request | one Redis | 3-master cluster | cluster / one Redis (p50) | cluster / one Redis (p95) | p95 ratio per round (${ROUNDS} rounds) |
|---|---|---|---|---|---|
${rows.map(line).join('\n')}

Target (issue 15): page p95 on the cluster within 1.25× of one Redis's: ${verdict(pages.every((r) => ratio(r) <= 1.25))} for the pages (worst page ratio ${fmt(Math.max(...pages.map(ratio)), 2)}); worst ratio over every row, API reads included: ${fmt(worst, 2)}.`;
}
