import { Redis } from 'ioredis';
import { benchDistDir, fmt, percentile, verdict, privateRedis, rssMb, startTs, timeGet, ROOT, type Child } from './support';
import { seedCompleted } from './seed-completed';
import { baselineName, startBaselineConsole, type Baseline } from './baseline';
import { baselineVerdict, judge, judgedRow, JUDGED_HEADER, type Figure, type Judged } from './compare';
import { buildIfStale } from '../scripts/build-if-stale';
import { freePort } from '../scripts/redis-server';

/**
 * Queue and job pages at 1k / 100k / 1M completed jobs: p95 latency of the
 * console's API requests next to Bull Board's on the same data, Redis
 * commands per request, and the console's RSS. With a baseline (an earlier
 * commit's console, bench/baseline.ts) that console serves the same Redis too
 * and is measured in the same loops, request for request.
 */

const SIZES = (process.env.BENCH_QUEUE_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
/** Only with a baseline: the samples are cut into this many rounds to measure the run's noise. */
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 4);
const PREFIX = 'benchq';
const QUEUE = 'bench';

type UrlFn = (i: number) => string;

/** p50 and p95 (ms) over all samples, and p50 / p95 of each round (consecutive slices of the samples). */
interface Latency {
  p50: number;
  p95: number;
  roundsP50: number[];
  roundsP95: number[];
}

function latencyOf(times: number[]): Latency {
  const per = Math.ceil(times.length / ROUNDS);
  const rounds = Array.from({ length: ROUNDS }, (_, r) => times.slice(r * per, (r + 1) * per)).filter((r) => r.length);
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    roundsP50: rounds.map((r) => percentile(r, 50)),
    roundsP95: rounds.map((r) => percentile(r, 95)),
  };
}

/**
 * `SAMPLES` sequential GETs per target after a warm-up; request i goes to
 * every target in turn, the order rotating with i, so drift and any
 * after-the-other effect land on all targets alike. `url(i)` may vary the request.
 */
async function interleavedLatency(urls: UrlFn[]): Promise<Latency[]> {
  for (let i = 0; i < 20; i++) for (const url of urls) await timeGet(url(i));
  const times: number[][] = urls.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    for (let k = 0; k < urls.length; k++) {
      const t = (i + k) % urls.length;
      times[t]!.push(await timeGet(urls[t]!(i)));
    }
  }
  return times.map(latencyOf);
}

/** Without a baseline: one target after the other, as this bench always did; with one: interleaved. */
async function latencies(urls: UrlFn[], interleave: boolean): Promise<Latency[]> {
  if (interleave) return interleavedLatency(urls);
  const out: Latency[] = [];
  for (const url of urls) out.push(...(await interleavedLatency([url])));
  return out;
}

async function totalCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Redis commands per request: the count over 50 requests minus what the same time costs idle. */
async function commandsPerRequest(redis: Redis, url: UrlFn): Promise<number> {
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

/** The requests measured on one console (today's or the baseline's) at one size. */
interface ConsoleRequests {
  page: UrlFn;
  job: UrlFn;
  filtered: UrlFn;
  search: string;
}

function consoleRequests(base: string, size: number): ConsoleRequests {
  const id = (i: number) => String(1 + ((i * 7919) % size));
  return {
    // Pages 1–5 in turn, and job ids spread over the whole set.
    page: (i) => `${base}/api/v1/queues/${QUEUE}/jobs?state=completed&pageSize=10&page=${(i % 5) + 1}`,
    job: (i) => `${base}/api/v1/queues/${QUEUE}/jobs/${id(i)}`,
    filtered: (i) => `${base}/api/v1/queues/${QUEUE}/jobs?state=completed&pageSize=10&page=${(i % 3) + 1}&name=task${i % 10}`,
    // The bounded search (one page + cursor), not the streamed export.
    search: `${base}/api/v1/results?state=completed&q=needle`,
  };
}

function boardRequests(base: string, size: number): Pick<ConsoleRequests, 'page' | 'job'> {
  const id = (i: number) => String(1 + ((i * 7919) % size));
  return {
    page: (i) => `${base}/api/queues?activeQueue=${QUEUE}&status=completed&page=${(i % 5) + 1}&jobsPerPage=10`,
    job: (i) => `${base}/api/queues/${QUEUE}/${id(i)}`,
  };
}

interface ConsoleFigures {
  page: Latency;
  job: Latency;
  cmds: number;
  filtered: Latency;
  search: Latency | null;
  rss: number;
}

interface Row {
  size: number;
  celerity: ConsoleFigures;
  baseline?: ConsoleFigures;
  bullBoardPage: Latency;
  bullBoardJob: Latency;
  bullBoardCmds: number;
}

/** A running console (today's or the baseline's) and where it listens. */
interface Served {
  child: Child;
  url: string;
}

/** Latency of `pick(requests)` on every console (and Bull Board when given), interleaved with a baseline. */
async function measureEach(consoles: ConsoleRequests[], pick: (r: ConsoleRequests) => UrlFn, board?: UrlFn): Promise<Latency[]> {
  return latencies([...consoles.map(pick), ...(board ? [board] : [])], consoles.length > 1);
}

/** The bounded search, on the consoles that have it (it answers 200); null for the others. */
async function measureSearch(consoles: ConsoleRequests[]): Promise<(Latency | null)[]> {
  const available = await Promise.all(consoles.map(async (c) => (await fetch(c.search)).status === 200));
  const measured = await latencies(
    consoles.filter((_, k) => available[k]).map((c) => () => c.search),
    consoles.length > 1,
  );
  return available.map((ok) => (ok ? measured.shift()! : null));
}

async function measureSize(client: Redis, size: number, consoles: Served[], boardUrl: string): Promise<Row> {
  const reqs = consoles.map((c) => consoleRequests(c.url, size));
  const board = boardRequests(boardUrl, size);
  const page = await measureEach(reqs, (r) => r.page, board.page);
  const job = await measureEach(reqs, (r) => r.job, board.job);
  const cmds: number[] = [];
  for (const r of reqs) cmds.push(await commandsPerRequest(client, r.page));
  const bullBoardCmds = await commandsPerRequest(client, board.page);
  const filtered = await measureEach(reqs, (r) => r.filtered);
  const search = await measureSearch(reqs);
  const figures = consoles.map((c, k): ConsoleFigures => ({
    page: page[k]!,
    job: job[k]!,
    cmds: cmds[k]!,
    filtered: filtered[k]!,
    search: search[k]!,
    rss: rssMb(c.child.proc.pid),
  }));
  return { size, celerity: figures[0]!, baseline: figures[1], bullBoardPage: page.at(-1)!, bullBoardJob: job.at(-1)!, bullBoardCmds };
}

export async function benchQueues(baseline?: Baseline): Promise<string> {
  const distDir = benchDistDir();
  await buildIfStale(ROOT);
  const redis = await privateRedis();
  const client = new Redis(redis.url);
  const boardPort = await freePort();
  const consoleEnv = async () => ({
    REDIS_URL: redis.url,
    CELERITY_PREFIX: PREFIX,
    PORT: String(await freePort()),
    NODE_ENV: 'production',
    CELERITY_LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_DIST_DIR: distDir,
  });
  const rows: Row[] = [];
  const consoles: Served[] = [];
  let board: Child | undefined;
  try {
    await seedCompleted(client, PREFIX, QUEUE, 0, 1);
    const env = await consoleEnv();
    consoles.push({ child: startTs('server.ts', env, /CELERITY_READY/), url: `http://127.0.0.1:${env.PORT}` });
    if (baseline) {
      const baseEnv = await consoleEnv();
      consoles.push({ child: startBaselineConsole(baseline, baseEnv), url: `http://127.0.0.1:${baseEnv.PORT}` });
    }
    board = startTs('bench/bull-board-server.ts', {}, /BULL_BOARD_READY/, [redis.url, PREFIX, QUEUE, String(boardPort)]);
    await Promise.all([...consoles.map((c) => c.child.ready), board.ready]);
    let have = 1;
    for (const size of SIZES) {
      await seedCompleted(client, PREFIX, QUEUE, have, size);
      have = size;
      rows.push(await measureSize(client, size, consoles, `http://127.0.0.1:${boardPort}`));
      console.log(`[bench] queues ${size}:`, JSON.stringify(rows.at(-1)));
    }
  } finally {
    for (const c of consoles) await c.child.stop();
    await board?.stop();
    client.disconnect();
    await redis.cleanup();
  }
  return queuesReport(rows, baseline);
}

const pair = (l: Latency) => `${fmt(l.p50)} / ${fmt(l.p95)}`;

function tableRow(r: Row): string {
  const c = r.celerity;
  const b = r.baseline;
  const cells = [
    r.size.toLocaleString('en'),
    pair(c.page),
    ...(b ? [pair(b.page)] : []),
    pair(r.bullBoardPage),
    pair(c.job),
    ...(b ? [pair(b.job)] : []),
    pair(r.bullBoardJob),
    fmt(c.cmds),
    fmt(r.bullBoardCmds),
    fmt(c.filtered.p95),
    c.search === null ? 'n/a' : fmt(c.search.p95),
    fmt(c.rss, 0),
  ];
  return `| ${cells.join(' | ')} |`;
}

function tableHeader(baseline: Baseline | undefined): string {
  const base = (what: string) => (baseline ? [`Celerity (baseline) ${what} p50 / p95 (ms)`] : []);
  const cols = [
    'completed jobs',
    'Celerity page p50 / p95 (ms)',
    ...base('page'),
    'Bull Board page p50 / p95 (ms)',
    'Celerity job p50 / p95 (ms)',
    ...base('job'),
    'Bull Board job p50 / p95 (ms)',
    'Celerity cmds/page',
    'Bull Board cmds/page',
    'filtered by name p95 (ms)',
    'results search p95 (ms)',
    'console RSS (MB)',
  ];
  return `| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`;
}

/** The latency figures of one size, today against the baseline. */
function sizeFigures(r: Row, b: ConsoleFigures): Figure[] {
  const size = r.size.toLocaleString('en');
  const lat = (name: string, c: Latency, base: Latency, p: 50 | 95): Figure => ({
    name: `${name} p${p} at ${size}`,
    current: p === 50 ? c.p50 : c.p95,
    baseline: p === 50 ? base.p50 : base.p95,
    currentRounds: p === 50 ? c.roundsP50 : c.roundsP95,
    baselineRounds: p === 50 ? base.roundsP50 : base.roundsP95,
    lowerIsBetter: true,
    unit: 'ms',
  });
  const c = r.celerity;
  return [
    lat('page', c.page, b.page, 50),
    lat('page', c.page, b.page, 95),
    lat('job', c.job, b.job, 50),
    lat('job', c.job, b.job, 95),
    lat('filtered page', c.filtered, b.filtered, 95),
    ...(c.search && b.search ? [lat('results search', c.search, b.search, 95)] : []),
  ];
}

function baselineSection(rows: Row[], baseline: Baseline): string {
  const judged: Judged[] = rows.flatMap((r) => (r.baseline ? sizeFigures(r, r.baseline).map(judge) : []));
  const extra = rows
    .map(
      (r) =>
        `${r.size.toLocaleString('en')}: ${fmt(r.celerity.cmds)} / ${fmt(r.baseline?.cmds ?? NaN)} commands per page, RSS ${fmt(r.celerity.rss, 0)} / ${fmt(r.baseline?.rss ?? NaN, 0)} MB`,
    )
    .join('; ');
  return `### Side by side with the baseline (${baselineName(baseline)})

The baseline is that commit's console (its own production build, from a git worktree under .scratch/ with today's installed packages — bench/baseline.ts), started as today's is against the same Redis and data. Every latency loop above sent its requests to today's console, the baseline's and Bull Board in turn (order rotating per request); each figure's ${SAMPLES} samples are cut into ${ROUNDS} rounds, and the run's noise for a figure is half the relative range of its round values, (max − min) / (2 × median), the larger of the two consoles'.

${JUDGED_HEADER}
${judged.map(judgedRow).join('\n')}

Single readings, not judged (today / baseline): ${extra}.

${baselineVerdict(judged)}`;
}

function command(baseline: Baseline | undefined): string {
  return `npm run bench -- queues${baseline ? ` --baseline ${baseline.ref}` : ''}`;
}

function queuesReport(rows: Row[], baseline: Baseline | undefined): string {
  const first = rows[0]!;
  const last = rows.at(-1)!;
  const hundredK = rows.find((r) => r.size === 100_000);
  const cel = (r: Row) => r.celerity;
  return `## Queues and jobs at scale

Command: \`${command(baseline)}\` (env: BENCH_QUEUE_SIZES=${SIZES.join(',')}, BENCH_SAMPLES=${SAMPLES}${baseline ? `, BENCH_QUEUE_ROUNDS=${ROUNDS}` : ''}). One private redis-server; the queue's completed jobs are written in BullMQ's key layout by a Lua script (bench/seed-completed.ts). The console runs its production build (\`server.ts\`); Bull Board 9 (\`@bull-board/api\` + \`@bull-board/express\`, bench/bull-board-server.ts) serves the same queue. Latencies are p95 over ${SAMPLES} sequential HTTP requests after a warm-up, from this process over loopback; "page" = 10 completed jobs (pages 1–5 in turn), "job" = one job's detail (ids spread over the set). Commands per request = Redis's total_commands_processed over 50 requests, minus the idle count of the same duration.

${tableHeader(baseline)}
${rows.map(tableRow).join('\n')}

Ratios: page p95(${last.size.toLocaleString('en')}) / p95(${first.size.toLocaleString('en')}) = ${fmt(cel(last).page.p95 / cel(first).page.p95, 2)}; commands per page Celerity / Bull Board = ${fmt(cel(last).cmds / last.bullBoardCmds, 2)}${hundredK ? `; RSS(1M) / RSS(100k) = ${fmt(cel(last).rss / cel(hundredK).rss, 2)}` : ''}.

Targets (issue 5), on this run:
- plain page p95 ≤ Bull Board's at every size: ${verdict(rows.every((r) => cel(r).page.p95 <= r.bullBoardPage.p95))}; and ≤ 10 ms: ${verdict(rows.every((r) => cel(r).page.p95 <= 10))};
- filtered page and search p95 ≤ 100 ms at ${last.size.toLocaleString('en')}: ${verdict(cel(last).filtered.p95 <= 100 && (cel(last).search?.p95 ?? Infinity) <= 100)};
- page p95(${last.size.toLocaleString('en')}) / p95(${first.size.toLocaleString('en')}) ≤ 2: ${verdict(cel(last).page.p95 / cel(first).page.p95 <= 2)};
- commands per page ≤ half of Bull Board's: ${verdict(rows.every((r) => cel(r).cmds <= r.bullBoardCmds / 2))};
- RSS(1M) ≤ 1.1 × RSS(100k): ${hundredK && last.size === 1_000_000 ? verdict(cel(last).rss <= 1.1 * cel(hundredK).rss) : 'not measured (needs the 100,000 and 1,000,000 sizes)'}.
${baseline ? `\n${baselineSection(rows, baseline)}\n` : ''}
Run on ${new Date().toISOString().slice(0, 10)}.`;
}
