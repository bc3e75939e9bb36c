import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { fmt, percentile, verdict, privateRedis, sleep, startTs, ROOT, type Child } from './support';
import { buildIfStale } from '../scripts/build-if-stale';
import { freePort } from '../lib/redis-server';
import { rooms, type ClientToServer, type JobFrame, type ServerToClient } from '../lib/events/contract';

/**
 * The live pipeline under load, side by side in one run: producers of no-op
 * jobs, one plain BullMQ worker (concurrency 50, metrics on), Redis; then the
 * console (production build) with 1 and then 10 dashboards attached
 * (socket.io-client joining `dashboard`). Measures worker throughput with and
 * without the console, completion → client latency at a fixed rate (probe
 * jobs watched in their job rooms), frames per client per second, Redis
 * commands per second, and the console's CPU and RSS over a long soak.
 *
 * The machine has 2 cores and is shared, so throughput is measured in
 * interleaved rounds (bare / 1 dashboard / 10 dashboards, in rotating order)
 * and compared by medians. "Bare" = the console process frozen (SIGSTOP): it
 * sends Redis nothing and uses no CPU, exactly as if absent, and it can be
 * thawed in a moment for the next window.
 *
 * Env: BENCH_LIVE_SECONDS (soak, default 300), BENCH_LIVE_ROUNDS (throughput
 * rounds, default 4), BENCH_LIVE_TPUT_SECONDS (each throughput window,
 * default 10), BENCH_LIVE_RATE (jobs/s, default 2000), BENCH_LIVE_RATE_SECONDS
 * (each fixed-rate window, default 20).
 */

const SOAK_S = Number(process.env.BENCH_LIVE_SECONDS ?? 300);
const TPUT_S = Number(process.env.BENCH_LIVE_TPUT_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 4);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 2000);
const RATE_S = Number(process.env.BENCH_LIVE_RATE_SECONDS ?? 20);
const PREFIX = 'benchl';
const QUEUE = 'bench';
const CLK_TCK = 100;

type LiveSocket = Socket<ServerToClient, ClientToServer>;

/** A dashboard client: joins the room and notes when each frame arrived. */
interface Dashboard {
  socket: LiveSocket;
  frames: number[];
}

async function dashboard(url: string): Promise<Dashboard> {
  const socket: LiveSocket = connect(url, { transports: ['websocket'], forceNew: true });
  const d: Dashboard = { socket, frames: [] };
  socket.onAny((event: string) => {
    if (event !== 'status') d.frames.push(Date.now());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await new Promise<void>((resolve) => socket.emit('subscribe', rooms.dashboard, () => resolve()));
  return d;
}

/** Most frames one client got in any 1 s window, and its average per second, over [from, to). */
function frameStats(clients: Dashboard[], from: number, to: number): { maxPerSecond: number; avgPerSecond: number } {
  let max = 0;
  let total = 0;
  for (const c of clients) {
    const t = c.frames.filter((x) => x >= from && x < to);
    total += t.length;
    for (let i = 0, j = 0; j < t.length; j++) {
      while (t[j]! - t[i]! >= 1000) i++;
      max = Math.max(max, j - i + 1);
    }
  }
  return { maxPerSecond: max, avgPerSecond: clients.length ? total / clients.length / ((to - from) / 1000) : 0 };
}

async function totalCommands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? NaN);
}

async function completedCount(redis: Redis): Promise<number> {
  return Number((await redis.hget(`${PREFIX}:${QUEUE}:metrics:completed`, 'count')) ?? 0);
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

async function drain(queue: Queue): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active');
    if ((c.waiting ?? 0) + (c.active ?? 0) === 0) return;
    await sleep(100);
  }
}

const median = (xs: number[]) => percentile(xs, 50);

export async function benchLive(): Promise<string> {
  process.env.NEXT_DIST_DIR ||= '.next-bench';
  await buildIfStale(ROOT);
  const redis = await privateRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: client, prefix: PREFIX });
  const consolePort = await freePort();
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const env = {
    REDIS_URL: redis.url,
    CELERITY_PREFIX: PREFIX,
    PORT: String(consolePort),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    CELERITY_LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_DIST_DIR: process.env.NEXT_DIST_DIR,
  };
  const producerArgs = (rate: string) => [redis.url, PREFIX, QUEUE, rate];
  let worker: Child | undefined;
  let consoleChild: Child | undefined;
  let frozen = false;
  const clients: Dashboard[] = [];
  let probe: LiveSocket | undefined;
  const log = (...a: unknown[]) => console.log('[bench] live', ...a);

  const freeze = (on: boolean) => {
    if (on === frozen || !consoleChild?.proc.pid) return;
    process.kill(consoleChild.proc.pid, on ? 'SIGSTOP' : 'SIGCONT');
    frozen = on;
  };
  /** Keep exactly n dashboards connected. */
  const setDashboards = async (n: number) => {
    while (clients.length > n) clients.pop()!.socket.close();
    while (clients.length < n) clients.push(await dashboard(consoleUrl));
  };

  /**
   * Worker throughput over one window: `n` no-op jobs are added to the paused
   * queue (addBulk, 5,000 at a time), the queue is resumed, and the time until
   * the worker has completed all of them is measured (metrics counter, polled
   * every 10 ms). The producer is then idle: the worker, Redis and the console
   * share the machine, nothing else of ours.
   */
  async function throughputWindow(n: number): Promise<{ perSecond: number; frames: ReturnType<typeof frameStats> }> {
    await queue.pause();
    for (let i = 0; i < n; i += 5000) {
      await queue.addBulk(Array.from({ length: Math.min(5000, n - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
    }
    await sleep(1500);
    const c0 = await completedCount(client);
    const t0 = Date.now();
    await queue.resume();
    while ((await completedCount(client)) < c0 + n) await sleep(10);
    const t1 = Date.now();
    return { perSecond: n / ((t1 - t0) / 1000), frames: frameStats(clients, t0, t1) };
  }

  /** At RATE jobs/s: Redis commands/s, probe latency (completion → client), frames, console CPU. */
  async function fixedRate(label: string, seconds: number, onSample?: (s: { at: number; cpu: number; rss: number; p95: number }) => void) {
    const p = startTs('bench/live-producer.ts', {}, /PRODUCER_READY/, producerArgs(String(RATE)));
    await p.ready;
    const latencies: { at: number; ms: number }[] = [];
    let sent = 0;
    let counted = 0;
    const received = new Set<string>();
    const measuredFrom = Date.now() + 3000;
    const onJob = (f: JobFrame) => {
      if (f.job?.state !== 'completed' || received.has(f.id) || !f.job.finishedAt) return;
      received.add(f.id);
      probe!.emit('unsubscribe', rooms.job(QUEUE, f.id));
      // Probes added during the warm-up (first 3 s) are not counted.
      if (f.job.createdAt >= measuredFrom) latencies.push({ at: Date.now(), ms: Date.now() - f.job.finishedAt });
    };
    if (!frozen) probe?.on('job', onJob);
    const pid = consoleChild?.proc.pid;
    let cmd0 = 0;
    let t0 = 0;
    let cpu0 = 0;
    let sampleFrom = 0;
    let cpuFrom = 0;
    const sampleEvery = Math.max(10_000, Math.min(60_000, (seconds * 1000) / 10));
    const end = measuredFrom + seconds * 1000;
    while (Date.now() < end) {
      if (!t0 && Date.now() >= measuredFrom) {
        cmd0 = await totalCommands(client);
        t0 = Date.now();
        cpu0 = cpuFrom = pid && !frozen ? cpuSeconds(pid) : 0;
        sampleFrom = t0;
      }
      if (probe && !frozen) {
        // Ten probes a second, each watched in its job room before it is added.
        const id = `probe-${label}-${sent++}`;
        await new Promise<void>((resolve) => probe!.emit('subscribe', rooms.job(QUEUE, id), () => resolve()));
        await queue.add('noop', {}, { jobId: id, removeOnComplete: { age: 600 } });
        if (t0) counted++;
      }
      await sleep(100);
      if (t0 && onSample && pid && Date.now() - sampleFrom >= sampleEvery) {
        const now = Date.now();
        const cpu = cpuSeconds(pid);
        const window = latencies.filter((l) => l.at >= sampleFrom).map((l) => l.ms);
        onSample({ at: now - t0, cpu: ((cpu - cpuFrom) / ((now - sampleFrom) / 1000)) * 100, rss: rssMb(pid), p95: percentile(window, 95) });
        sampleFrom = now;
        cpuFrom = cpu;
      }
    }
    const t1 = Date.now();
    const cmd1 = await totalCommands(client);
    const cpu1 = pid && !frozen ? cpuSeconds(pid) : 0;
    await p.stop();
    await sleep(1000);
    probe?.off('job', onJob);
    await drain(queue);
    const ms = latencies.map((l) => l.ms);
    const out = {
      commandsPerSecond: (cmd1 - cmd0) / ((t1 - t0) / 1000),
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      probes: counted,
      lost: Math.max(0, counted - latencies.length),
      frames: frameStats(clients, t0, t1),
      cpuPercent: pid && !frozen ? ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100 : NaN,
      rss: pid ? rssMb(pid) : NaN,
    };
    log(label, `${RATE}/s`, JSON.stringify(out));
    return out;
  }

  async function idleCommands(seconds: number): Promise<number> {
    const c0 = await totalCommands(client);
    const t0 = Date.now();
    await sleep(seconds * 1000);
    return ((await totalCommands(client)) - c0 - 1) / ((Date.now() - t0) / 1000);
  }

  try {
    // The queue exists (meta key) before the console starts, so its relay reads it from the start.
    await queue.add('noop', {}, { removeOnComplete: true });
    worker = startTs('bench/live-worker.ts', {}, /LIVE_WORKER_READY/, [redis.url, PREFIX, QUEUE]);
    consoleChild = startTs('server.ts', env, /CELERITY_READY/);
    await Promise.all([worker.ready, consoleChild.ready]);
    await drain(queue);
    probe = connect(consoleUrl, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => probe!.once('connect', () => resolve()));

    // 0. Idle (no jobs yet): the console's own Redis commands with 1 and 10 dashboards, interleaved.
    const idle = { one: [] as number[], ten: [] as number[] };
    for (const n of [1, 10, 1, 10]) {
      await setDashboards(n);
      await sleep(2000);
      idle[n === 1 ? 'one' : 'ten'].push(await idleCommands(8));
    }
    const idle1 = median(idle.one);
    const idle10 = median(idle.ten);
    log('idle commands/s', JSON.stringify(idle));

    // 1. Throughput, interleaved rounds. A first drain sizes the windows (about TPUT_S seconds each).
    await setDashboards(0);
    const calibration = await throughputWindow(20_000);
    const perWindow = Math.min(300_000, Math.max(20_000, Math.round((calibration.perSecond * TPUT_S) / 5000) * 5000));
    log('calibration', Math.round(calibration.perSecond), 'jobs/s →', perWindow, 'jobs per window');
    const tput = { bare: [] as number[], one: [] as number[], ten: [] as number[] };
    const tputFrames: ReturnType<typeof frameStats>[] = [];
    const orders: (keyof typeof tput)[][] = [
      ['bare', 'one', 'ten'],
      ['ten', 'bare', 'one'],
      ['one', 'ten', 'bare'],
    ];
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of orders[r % orders.length]!) {
        if (kind === 'bare') {
          await setDashboards(0);
          freeze(true);
        } else {
          freeze(false);
          await setDashboards(kind === 'one' ? 1 : 10);
        }
        const w = await throughputWindow(perWindow);
        tput[kind].push(w.perSecond);
        if (kind !== 'bare') tputFrames.push(w.frames);
        log(`round ${r + 1}`, kind, Math.round(w.perSecond), 'jobs/s', JSON.stringify(w.frames));
      }
    }
    freeze(false);
    await drain(queue);

    // 2. At a fixed rate: bare (frozen console), 1 and 10 dashboards.
    await setDashboards(0);
    freeze(true);
    const bareRate = await fixedRate('bare', RATE_S);
    freeze(false);
    await setDashboards(1);
    await sleep(2000);
    const oneRate = await fixedRate('one', RATE_S);
    await setDashboards(10);
    await sleep(2000);
    const tenRate = await fixedRate('ten', RATE_S);

    // 3. Soak: 10 dashboards at the fixed rate.
    const samples: { at: number; cpu: number; rss: number; p95: number }[] = [];
    const soak = await fixedRate('soak', SOAK_S, (s) => {
      samples.push(s);
      log('soak sample', JSON.stringify(s));
    });

    const bare = median(tput.bare);
    const one = median(tput.one);
    const ten = median(tput.ten);
    const ratio = ten / bare;
    const cmdRatio = tenRate.commandsPerSecond / oneRate.commandsPerSecond;
    const third = Math.max(1, Math.floor(samples.length / 3));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const rssGrowth = avg(samples.slice(-third).map((s) => s.rss)) / avg(samples.slice(0, third).map((s) => s.rss));
    const cpuFirst = avg(samples.slice(0, third).map((s) => s.cpu));
    const cpuLast = avg(samples.slice(-third).map((s) => s.cpu));
    const cpuDrift = cpuLast / cpuFirst;
    // "Flat" guards against growth (a leak, a timer piling up). A fall is JIT warm-up; and at a few
    // percent of a core a ratio magnifies noise, so 2 points of a core also count as flat.
    const cpuFlat = cpuLast <= cpuFirst * 1.25 || cpuLast - cpuFirst <= 2;
    const maxFrames = Math.max(...tputFrames.map((f) => f.maxPerSecond), oneRate.frames.maxPerSecond, tenRate.frames.maxPerSecond, soak.frames.maxPerSecond);
    const list = (xs: number[]) => xs.map((x) => fmt(x, 0)).join(', ');

    return `## Live monitoring under load

Command: \`npm run bench -- live\` (env: BENCH_LIVE_SECONDS=${SOAK_S}, BENCH_LIVE_ROUNDS=${ROUNDS}, BENCH_LIVE_TPUT_SECONDS=${TPUT_S}, BENCH_LIVE_RATE=${RATE}, BENCH_LIVE_RATE_SECONDS=${RATE_S}). One private redis-server; one plain BullMQ worker process (no-op jobs, concurrency 50, metrics on: bench/live-worker.ts); no-op jobs removed when done, added by this process in bulk for the throughput windows and by a producer process at a fixed rate for the others (bench/live-producer.ts). The console runs its production build (\`server.ts\`, NEXT_DIST_DIR=${process.env.NEXT_DIST_DIR}); dashboards are socket.io-client connections from this process that join the \`dashboard\` room (no browser, so no page API calls). "Bare" = the console frozen with SIGSTOP (no Redis commands, no CPU: as if absent). Throughput = the time the worker takes to complete ${perWindow.toLocaleString('en')} jobs added beforehand to the paused queue (≈ ${TPUT_S} s each; BullMQ's completed-metrics counter), ${ROUNDS} interleaved rounds in rotating order, compared by medians. Latency: ten probe jobs a second, each watched in its job room before it is added; latency = when the client got the frame saying "completed" − the job's finishedOn (same clock); the first 3 s of each phase are a warm-up.

| phase | worker throughput, median (jobs/s) [each round] | Redis commands/s at ${RATE} jobs/s | completion → client p50 / p95 (ms) | frames per client per s: max in any second / average | console CPU at ${RATE} jobs/s (% of a core) | console RSS (MB) |
|---|---|---|---|---|---|---|
| bare BullMQ (console frozen) | ${fmt(bare, 0)} [${list(tput.bare)}] | ${fmt(bareRate.commandsPerSecond, 0)} | — | — | — | — |
| console + 1 dashboard | ${fmt(one, 0)} [${list(tput.one)}] | ${fmt(oneRate.commandsPerSecond, 0)} | ${fmt(oneRate.p50, 0)} / ${fmt(oneRate.p95, 0)} (${oneRate.probes} probes, ${oneRate.lost} not seen) | ${oneRate.frames.maxPerSecond} / ${fmt(oneRate.frames.avgPerSecond)} | ${fmt(oneRate.cpuPercent, 0)} | ${fmt(oneRate.rss, 0)} |
| console + 10 dashboards | ${fmt(ten, 0)} [${list(tput.ten)}] | ${fmt(tenRate.commandsPerSecond, 0)} | ${fmt(tenRate.p50, 0)} / ${fmt(tenRate.p95, 0)} (${tenRate.probes} probes, ${tenRate.lost} not seen) | ${tenRate.frames.maxPerSecond} / ${fmt(tenRate.frames.avgPerSecond)} | ${fmt(tenRate.cpuPercent, 0)} | ${fmt(tenRate.rss, 0)} |

Idle (no jobs yet; 8 s windows, 1 / 10 / 1 / 10 dashboards, medians): Redis commands/s with 1 dashboard ${fmt(idle1)} [${idle.one.map((x) => fmt(x)).join(', ')}], with 10 dashboards ${fmt(idle10)} [${idle.ten.map((x) => fmt(x)).join(', ')}].

Soak, 10 dashboards at ${RATE} jobs/s for ${SOAK_S} s (${soak.probes} probes, ${soak.lost} not seen, p50 / p95 ${fmt(soak.p50, 0)} / ${fmt(soak.p95, 0)} ms, frames max ${soak.frames.maxPerSecond} per second per client, Redis ${fmt(soak.commandsPerSecond, 0)} commands/s):

| t (s) | console CPU (% of a core) | console RSS (MB) | completion → client p95 (ms) |
|---|---|---|---|
${samples.map((s) => `| ${Math.round(s.at / 1000)} | ${fmt(s.cpu, 0)} | ${fmt(s.rss, 0)} | ${fmt(s.p95, 0)} |`).join('\n')}

Against the targets (issue 6):
- worker throughput with the console and 10 dashboards / bare = ${fmt(ratio, 3)} (≥ 0.95: ${verdict(ratio >= 0.95)}); with 1 dashboard ${fmt(one / bare, 3)};
- completion → client p95 at ${RATE} jobs/s = ${fmt(tenRate.p95, 0)} ms with 10 dashboards, ${fmt(oneRate.p95, 0)} ms with 1, ${fmt(soak.p95, 0)} ms over the soak (≤ 250 ms: ${verdict(Math.max(tenRate.p95, oneRate.p95, soak.p95) <= 250)});
- frames per client per second, max in any second over all phases = ${maxFrames} (≤ 10: ${verdict(maxFrames <= 10)});
- console over the soak: RSS last third / first third = ${fmt(rssGrowth, 2)}, CPU last third / first third = ${fmt(cpuDrift, 2)} (${fmt(cpuFirst, 1)} → ${fmt(cpuLast, 1)} % of a core) (flat: RSS ≤ 1.1×, CPU not growing — ≤ 1.25× or ≤ 2 points of a core: ${verdict(rssGrowth <= 1.1 && cpuFlat)});
- Redis commands/s at ${RATE} jobs/s with 10 dashboards / with 1 = ${fmt(cmdRatio, 3)} (≤ 1.2: ${verdict(cmdRatio <= 1.2)}); idle, 10 / 1 = ${fmt(idle10 / idle1, 2)}.

Run on ${new Date().toISOString().slice(0, 10)}.`;
  } finally {
    freeze(false);
    for (const c of clients) c.socket.close();
    probe?.close();
    await consoleChild?.stop();
    await worker?.stop();
    await queue.close();
    client.disconnect();
    await redis.cleanup();
  }
}
