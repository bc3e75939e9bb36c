import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchDistDir, privateRedis, sleep, startTs, ROOT, type Child } from './support';
import { buildIfStale } from '../scripts/build-if-stale';
import { freePort } from '../scripts/redis-server';
import { startBaselineConsole, type Baseline } from './baseline';
import { connectProbe, focus, release, type LiveConsole, type Rig } from './live-rig';
import { drain, fixedRate, idleCommands, pooled, PREFIX, QUEUE, throughputWindow, type FrameStats, type RateResult, type Sample } from './live-phases';
import { liveReport, type LiveResults, type Phase } from './live-report';
import { browserCompletion } from './live-browser';

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
 * With a baseline (an earlier commit's console, bench/baseline.ts) one more
 * phase, "baseline console + 10 dashboards", joins the throughput rotation,
 * and the fixed-rate windows with 10 dashboards alternate between the two
 * consoles for BENCH_LIVE_RATE_ROUNDS rounds; the console not measured is
 * frozen. The soak is today's console only.
 *
 * Env: BENCH_LIVE_SECONDS (soak, default 300), BENCH_LIVE_ROUNDS (throughput
 * rounds, default 4), BENCH_LIVE_TPUT_SECONDS (each throughput window,
 * default 10), BENCH_LIVE_RATE (jobs/s, default 2000), BENCH_LIVE_RATE_SECONDS
 * (each fixed-rate window, default 20), BENCH_LIVE_RATE_ROUNDS (with a
 * baseline: fixed-rate rounds, default BENCH_LIVE_ROUNDS), BENCH_LIVE_BROWSER_JOBS
 * (job pages opened in Chromium at low load, default 30; 0 skips them).
 */

const SOAK_S = Number(process.env.BENCH_LIVE_SECONDS ?? 300);
const TPUT_S = Number(process.env.BENCH_LIVE_TPUT_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 4);
const RATE_S = Number(process.env.BENCH_LIVE_RATE_SECONDS ?? 20);
const RATE_ROUNDS = Number(process.env.BENCH_LIVE_RATE_ROUNDS ?? ROUNDS);
const BROWSER_JOBS = Number(process.env.BENCH_LIVE_BROWSER_JOBS ?? 30);

/** Round r's order: the phases rotated by r, so each comes first, in the middle and last equally often. */
export function rotation<T>(phases: T[], r: number): T[] {
  const n = phases.length;
  return phases.map((_, i) => phases[(((i - r) % n) + n) % n]!);
}

/** The console a phase measures (none: bare) and its dashboards. */
function setUp(rig: Rig, phase: Phase): Promise<void> {
  const [today, baseline] = rig.consoles;
  if (phase === 'bare') return focus(rig, undefined, 0);
  if (phase === 'baseTen') return focus(rig, baseline, 10);
  return focus(rig, today, phase === 'one' ? 1 : 10);
}

/** Idle (no jobs yet): Redis commands/s of each phase's console, 8 s windows, twice in turn. */
async function measureIdle(rig: Rig, phases: Phase[]): Promise<Partial<Record<Phase, number[]>>> {
  const idle: Partial<Record<Phase, number[]>> = {};
  for (let r = 0; r < 2; r++) {
    for (const phase of phases) {
      await setUp(rig, phase);
      await sleep(2000);
      (idle[phase] ??= []).push(await idleCommands(rig, 8));
    }
  }
  console.log('[bench] live idle commands/s', JSON.stringify(idle));
  return idle;
}

/** Throughput in ROUNDS interleaved rounds; a first drain sizes the windows (about TPUT_S seconds each). */
async function measureThroughput(rig: Rig, phases: Phase[]) {
  await focus(rig, rig.consoles[0], 0);
  const calibration = await throughputWindow(rig, 20_000);
  const perWindow = Math.min(300_000, Math.max(20_000, Math.round((calibration.perSecond * TPUT_S) / 5000) * 5000));
  console.log('[bench] live calibration', Math.round(calibration.perSecond), 'jobs/s →', perWindow, 'jobs per window');
  const tput: Partial<Record<Phase, number[]>> = {};
  const frames: FrameStats[] = [];
  const todayFrames: FrameStats[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const phase of rotation(phases, r)) {
      await setUp(rig, phase);
      const w = await throughputWindow(rig, perWindow);
      (tput[phase] ??= []).push(w.perSecond);
      if (phase !== 'bare') frames.push(w.frames);
      if (phase === 'one' || phase === 'ten') todayFrames.push(w.frames);
      console.log(`[bench] live round ${r + 1}`, phase, Math.round(w.perSecond), 'jobs/s', JSON.stringify(w.frames));
    }
  }
  await focus(rig, rig.consoles[0], 0);
  await drain(rig.queue);
  return { perWindow, tput, frames, todayFrames };
}

/** One fixed-rate window of a phase, after its dashboards have settled for 2 s (none for bare). */
async function rateWindow(rig: Rig, redisUrl: string, phase: Phase, label: string): Promise<RateResult> {
  await setUp(rig, phase);
  if (phase !== 'bare') await sleep(2000);
  const out = await fixedRate(rig, redisUrl, label, RATE_S);
  console.log('[bench] live', label, JSON.stringify({ ...out, latencies: out.latencies.length }));
  return out;
}

/** At the fixed rate: bare, 1 dashboard, then 10 dashboards (alternating with the baseline's, in rounds, when there is one). */
async function measureRates(rig: Rig, redisUrl: string, withBaseline: boolean) {
  const bare = await rateWindow(rig, redisUrl, 'bare', 'bare');
  const one = await rateWindow(rig, redisUrl, 'one', 'one');
  const phases: Phase[] = withBaseline ? ['ten', 'baseTen'] : ['ten'];
  const windows: Partial<Record<Phase, RateResult[]>> = {};
  for (let r = 0; r < (withBaseline ? RATE_ROUNDS : 1); r++) {
    for (const phase of rotation(phases, r)) (windows[phase] ??= []).push(await rateWindow(rig, redisUrl, phase, withBaseline ? `${phase}-${r + 1}` : phase));
  }
  return {
    bare,
    one,
    ten: pooled(windows.ten!),
    tenRounds: windows.ten!,
    baseTen: windows.baseTen && pooled(windows.baseTen),
    baseTenRounds: windows.baseTen ?? [],
  };
}

/** Soak: today's console, 10 dashboards at the fixed rate for SOAK_S seconds, sampled. */
async function measureSoak(rig: Rig, redisUrl: string) {
  await focus(rig, rig.consoles[0], 10);
  const samples: Sample[] = [];
  const soak = await fixedRate(rig, redisUrl, 'soak', SOAK_S, (s) => {
    samples.push(s);
    console.log('[bench] live soak sample', JSON.stringify(s));
  });
  return { soak, samples };
}

async function startConsoles(redisUrl: string, baseline: Baseline | undefined): Promise<LiveConsole[]> {
  const env = async () => ({
    REDIS_URL: redisUrl,
    CELERITY_PREFIX: PREFIX,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    CELERITY_LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_DIST_DIR: benchDistDir(),
  });
  const consoles: LiveConsole[] = [];
  const todayEnv = await env();
  consoles.push({ label: 'today', child: startTs('server.ts', todayEnv, /CELERITY_READY/), url: `http://127.0.0.1:${todayEnv.PORT}`, frozen: false });
  if (baseline) {
    const baseEnv = await env();
    consoles.push({ label: 'baseline', child: startBaselineConsole(baseline, baseEnv), url: `http://127.0.0.1:${baseEnv.PORT}`, frozen: false });
  }
  return consoles;
}

export async function benchLive(baseline?: Baseline): Promise<string> {
  benchDistDir();
  await buildIfStale(ROOT);
  const redis = await privateRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: client, prefix: PREFIX });
  const rig: Rig = { client, queue, consoles: [], dashboards: [] };
  let worker: Child | undefined;
  try {
    // The queue exists (meta key) before the consoles start, so their relays read it from the start.
    await queue.add('noop', {}, { removeOnComplete: true });
    worker = startTs('bench/live-worker.ts', {}, /LIVE_WORKER_READY/, [redis.url, PREFIX, QUEUE]);
    rig.consoles = await startConsoles(redis.url, baseline);
    await Promise.all([worker.ready, ...rig.consoles.map((c) => c.child.ready)]);
    await drain(queue);
    for (const c of rig.consoles) await connectProbe(c);

    const phases: Phase[] = baseline ? ['bare', 'one', 'ten', 'baseTen'] : ['bare', 'one', 'ten'];
    const idle = await measureIdle(rig, baseline ? ['one', 'ten', 'baseTen'] : ['one', 'ten']);
    // Low load: today's console, no dashboards, no producer; one job at a time.
    await focus(rig, rig.consoles[0], 0);
    const browser = BROWSER_JOBS > 0 ? await browserCompletion(rig, BROWSER_JOBS) : undefined;
    console.log('[bench] live browser', JSON.stringify(browser));
    const throughput = await measureThroughput(rig, phases);
    const rates = await measureRates(rig, redis.url, baseline !== undefined);
    const { soak, samples } = await measureSoak(rig, redis.url);
    const results: LiveResults = { ...throughput, idle, rates, soak, samples, browser };
    return liveReport(results, { baseline, soakSeconds: SOAK_S, rounds: ROUNDS, tputSeconds: TPUT_S, rateSeconds: RATE_S, rateRounds: RATE_ROUNDS });
  } finally {
    release(rig);
    for (const c of rig.consoles) await c.child.stop();
    await worker?.stop();
    await queue.close();
    client.disconnect();
    await redis.cleanup();
  }
}
