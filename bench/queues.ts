import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { fmt, percentile, verdict, privateRedis, startTs, ROOT, type Child } from './support';
import { seedCompleted } from './seed-completed';
import { buildIfStale } from '../scripts/build-if-stale';
import { freePort } from '../lib/redis-server';

/**
 * Queue and job pages at 1k / 100k / 1M completed jobs: p95 latency of the
 * console's API requests next to Bull Board's on the same data, Redis
 * commands per request, and the console's RSS.
 */

const SIZES = (process.env.BENCH_QUEUE_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const PREFIX = 'benchq';
const QUEUE = 'bench';

async function timeGet(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  return performance.now() - t;
}

/** p50 and p95 (ms) of `SAMPLES` sequential GETs after a warm-up; `url(i)` may vary the request. */
async function latency(url: (i: number) => string): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 20; i++) await timeGet(url(i));
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) times.push(await timeGet(url(i)));
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function p95(url: (i: number) => string): Promise<number> {
  return (await latency(url)).p95;
}

async function totalCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Redis commands per request: the count over 50 requests minus what the same time costs idle. */
async function commandsPerRequest(redis: Redis, url: (i: number) => string): Promise<number> {
  const n = 50;
  const c0 = await totalCommands(redis);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) await timeGet(url(i));
  const busy = (await totalCommands(redis)) - c0 - 1;
  const elapsed = Date.now() - t0;
  const i0 = await totalCommands(redis);
  await new Promise((r) => setTimeout(r, elapsed));
  const idle = (await totalCommands(redis)) - i0 - 1;
  return Math.max(0, (busy - idle) / n);
}

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

interface Row {
  size: number;
  celerityPage: { p50: number; p95: number };
  bullBoardPage: { p50: number; p95: number };
  celerityJob: { p50: number; p95: number };
  bullBoardJob: { p50: number; p95: number };
  celerityCmds: number;
  bullBoardCmds: number;
  filtered: number;
  search: number | null;
  rss: number;
}

export async function benchQueues(): Promise<string> {
  process.env.NEXT_DIST_DIR ||= '.next-bench';
  await buildIfStale(ROOT);
  const redis = await privateRedis();
  const client = new Redis(redis.url);
  const consolePort = await freePort();
  const boardPort = await freePort();
  const env = { REDIS_URL: redis.url, CELERITY_PREFIX: PREFIX, PORT: String(consolePort), NODE_ENV: 'production', CELERITY_LOG_LEVEL: 'warn', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: process.env.NEXT_DIST_DIR };
  const rows: Row[] = [];
  let consoleChild: Child | undefined;
  let board: Child | undefined;
  try {
    await seedCompleted(client, PREFIX, QUEUE, 0, 1);
    consoleChild = startTs('server.ts', env, /CELERITY_READY/);
    board = startTs('bench/bull-board-server.ts', {}, /BULL_BOARD_READY/, [redis.url, PREFIX, QUEUE, String(boardPort)]);
    await Promise.all([consoleChild.ready, board.ready]);
    const c = `http://127.0.0.1:${consolePort}`;
    const b = `http://127.0.0.1:${boardPort}`;
    let have = 1;
    for (const size of SIZES) {
      await seedCompleted(client, PREFIX, QUEUE, have, size);
      have = size;
      // Pages 1–5 in turn, and job ids spread over the whole set.
      const cPage = (i: number) => `${c}/api/v1/queues/${QUEUE}/jobs?state=completed&pageSize=10&page=${(i % 5) + 1}`;
      const bPage = (i: number) => `${b}/api/queues?activeQueue=${QUEUE}&status=completed&page=${(i % 5) + 1}&jobsPerPage=10`;
      const id = (i: number) => String(1 + ((i * 7919) % size));
      const cJob = (i: number) => `${c}/api/v1/queues/${QUEUE}/jobs/${id(i)}`;
      const bJob = (i: number) => `${b}/api/queues/${QUEUE}/${id(i)}`;
      const filtered = (i: number) => `${c}/api/v1/queues/${QUEUE}/jobs?state=completed&pageSize=10&page=${(i % 3) + 1}&name=task${i % 10}`;
      // The bounded search (one page + cursor), not the streamed export.
      const searchUrl = `${c}/api/v1/results?state=completed&q=needle`;
      const searchAvailable = (await fetch(searchUrl)).status === 200;
      rows.push({
        size,
        celerityPage: await latency(cPage),
        bullBoardPage: await latency(bPage),
        celerityJob: await latency(cJob),
        bullBoardJob: await latency(bJob),
        celerityCmds: await commandsPerRequest(client, cPage),
        bullBoardCmds: await commandsPerRequest(client, bPage),
        filtered: await p95(filtered),
        search: searchAvailable ? await p95(() => searchUrl) : null,
        rss: rssMb(consoleChild.proc.pid),
      });
      console.log(`[bench] queues ${size}:`, JSON.stringify(rows.at(-1)));
    }
  } finally {
    await consoleChild?.stop();
    await board?.stop();
    client.disconnect();
    await redis.cleanup();
  }
  const first = rows[0]!;
  const last = rows.at(-1)!;
  const hundredK = rows.find((r) => r.size === 100_000);
  const table = rows
    .map(
      (r) =>
        `| ${r.size.toLocaleString('en')} | ${fmt(r.celerityPage.p50)} / ${fmt(r.celerityPage.p95)} | ${fmt(r.bullBoardPage.p50)} / ${fmt(r.bullBoardPage.p95)} | ${fmt(r.celerityJob.p50)} / ${fmt(r.celerityJob.p95)} | ${fmt(r.bullBoardJob.p50)} / ${fmt(r.bullBoardJob.p95)} | ${fmt(r.celerityCmds)} | ${fmt(r.bullBoardCmds)} | ${fmt(r.filtered)} | ${r.search === null ? 'n/a' : fmt(r.search)} | ${fmt(r.rss, 0)} |`,
    )
    .join('\n');
  return `## Queues and jobs at scale

Command: \`npm run bench -- queues\` (env: BENCH_QUEUE_SIZES=${SIZES.join(',')}, BENCH_SAMPLES=${SAMPLES}). One private redis-server; the queue's completed jobs are written in BullMQ's key layout by a Lua script (bench/seed-completed.ts). The console runs its production build (\`server.ts\`); Bull Board 9 (\`@bull-board/api\` + \`@bull-board/express\`, bench/bull-board-server.ts) serves the same queue. Latencies are p95 over ${SAMPLES} sequential HTTP requests after a warm-up, from this process over loopback; "page" = 10 completed jobs (pages 1–5 in turn), "job" = one job's detail (ids spread over the set). Commands per request = Redis's total_commands_processed over 50 requests, minus the idle count of the same duration.

| completed jobs | Celerity page p50 / p95 (ms) | Bull Board page p50 / p95 (ms) | Celerity job p50 / p95 (ms) | Bull Board job p50 / p95 (ms) | Celerity cmds/page | Bull Board cmds/page | filtered by name p95 (ms) | results search p95 (ms) | console RSS (MB) |
|---|---|---|---|---|---|---|---|---|---|
${table}

Ratios: page p95(${last.size.toLocaleString('en')}) / p95(${first.size.toLocaleString('en')}) = ${fmt(last.celerityPage.p95 / first.celerityPage.p95, 2)}; commands per page Celerity / Bull Board = ${fmt(last.celerityCmds / last.bullBoardCmds, 2)}${hundredK ? `; RSS(1M) / RSS(100k) = ${fmt(last.rss / hundredK.rss, 2)}` : ''}.

Targets (issue 5), on this run:
- plain page p95 ≤ Bull Board's at every size: ${verdict(rows.every((r) => r.celerityPage.p95 <= r.bullBoardPage.p95))}; and ≤ 10 ms: ${verdict(rows.every((r) => r.celerityPage.p95 <= 10))};
- filtered page and search p95 ≤ 100 ms at ${last.size.toLocaleString('en')}: ${verdict(last.filtered <= 100 && (last.search ?? Infinity) <= 100)};
- page p95(${last.size.toLocaleString('en')}) / p95(${first.size.toLocaleString('en')}) ≤ 2: ${verdict(last.celerityPage.p95 / first.celerityPage.p95 <= 2)};
- commands per page ≤ half of Bull Board's: ${verdict(rows.every((r) => r.celerityCmds <= r.bullBoardCmds / 2))};
- RSS(1M) ≤ 1.1 × RSS(100k): ${hundredK && last.size === 1_000_000 ? verdict(last.rss <= 1.1 * hundredK.rss) : 'not measured (needs the 100,000 and 1,000,000 sizes)'}.

Run on ${new Date().toISOString().slice(0, 10)}.`;
}
