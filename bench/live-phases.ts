import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { cpuSeconds, percentile, rssMb, sleep, startTs } from './support';
import type { Dashboard, Rig } from './live-rig';
import { rooms, type JobFrame } from '../lib/events/contract';

/** The live bench's measuring windows, each on the rig's active console (bench/live-rig.ts). */

export const PREFIX = 'benchl';
export const QUEUE = 'bench';
export const RATE = Number(process.env.BENCH_LIVE_RATE ?? 2000);

export type FrameStats = { maxPerSecond: number; avgPerSecond: number };

/** Most frames one client got in any 1 s window, and its average per second, over [from, to). */
export function frameStats(clients: Dashboard[], from: number, to: number): FrameStats {
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

export async function drain(queue: Queue): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active');
    if ((c.waiting ?? 0) + (c.active ?? 0) === 0) return;
    await sleep(100);
  }
}

/**
 * Worker throughput over one window: `n` no-op jobs are added to the paused
 * queue (addBulk, 5,000 at a time), the queue is resumed, and the time until
 * the worker has completed all of them is measured (metrics counter, polled
 * every 10 ms). The producer is then idle: the worker, Redis and the console
 * share the machine, nothing else of ours.
 */
export async function throughputWindow(rig: Rig, n: number): Promise<{ perSecond: number; frames: FrameStats }> {
  const { queue, client } = rig;
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
  return { perSecond: n / ((t1 - t0) / 1000), frames: frameStats(rig.dashboards, t0, t1) };
}

export interface Sample {
  at: number;
  cpu: number;
  rss: number;
  p95: number;
}

export interface RateResult {
  commandsPerSecond: number;
  p50: number;
  p95: number;
  /** Every counted probe's completion → client latency (ms), to pool windows. */
  latencies: number[];
  probes: number;
  lost: number;
  frames: FrameStats;
  cpuPercent: number;
  rss: number;
}

/** Probes whose "completed" frame reached the client: when it arrived and how long after the job finished. */
type Seen = { at: number; ms: number }[];

/** Listen on the probe socket for probe jobs completing; returns the detach function. */
function watchProbes(rig: Rig, measuredFrom: number, seen: Seen): () => void {
  const probe = rig.active?.probe;
  if (!probe) return () => {};
  const received = new Set<string>();
  const onJob = (f: JobFrame) => {
    if (f.job?.state !== 'completed' || received.has(f.id) || !f.job.finishedAt) return;
    received.add(f.id);
    probe.emit('unsubscribe', rooms.job(QUEUE, f.id));
    // Probes added during the warm-up (first 3 s) are not counted.
    if (f.job.createdAt >= measuredFrom) seen.push({ at: Date.now(), ms: Date.now() - f.job.finishedAt });
  };
  probe.on('job', onJob);
  return () => probe.off('job', onJob);
}

/** One probe job, watched in its job room before it is added. */
async function sendProbe(rig: Rig, id: string): Promise<void> {
  const probe = rig.active!.probe!;
  await new Promise<void>((resolve) => probe.emit('subscribe', rooms.job(QUEUE, id), () => resolve()));
  await rig.queue.add('noop', {}, { jobId: id, removeOnComplete: { age: 600 } });
}

/**
 * At RATE jobs/s (a producer process) for `seconds` after a 3 s warm-up:
 * Redis commands/s, probe latency (completion → client, ten probes a second),
 * frames, the active console's CPU and RSS; `onSample` gets CPU, RSS and p95
 * every tenth of the window (10–60 s).
 */
export async function fixedRate(rig: Rig, redisUrl: string, label: string, seconds: number, onSample?: (s: Sample) => void): Promise<RateResult> {
  const p = startTs('bench/live-producer.ts', {}, /PRODUCER_READY/, [redisUrl, PREFIX, QUEUE, String(RATE)]);
  await p.ready;
  const seen: Seen = [];
  let sent = 0;
  let counted = 0;
  const measuredFrom = Date.now() + 3000;
  const unwatch = watchProbes(rig, measuredFrom, seen);
  const pid = rig.active?.child.proc.pid;
  let cmd0 = 0;
  let t0 = 0;
  let cpu0 = 0;
  let sampleFrom = 0;
  let cpuFrom = 0;
  const sampleEvery = Math.max(10_000, Math.min(60_000, (seconds * 1000) / 10));
  const end = measuredFrom + seconds * 1000;
  while (Date.now() < end) {
    if (!t0 && Date.now() >= measuredFrom) {
      cmd0 = await totalCommands(rig.client);
      t0 = Date.now();
      cpu0 = cpuFrom = pid ? cpuSeconds(pid) : 0;
      sampleFrom = t0;
    }
    if (rig.active?.probe) {
      await sendProbe(rig, `probe-${rig.active.label}-${label}-${sent++}`);
      if (t0) counted++;
    }
    await sleep(100);
    if (t0 && onSample && pid && Date.now() - sampleFrom >= sampleEvery) {
      const now = Date.now();
      const cpu = cpuSeconds(pid);
      const window = seen.filter((l) => l.at >= sampleFrom).map((l) => l.ms);
      onSample({ at: now - t0, cpu: ((cpu - cpuFrom) / ((now - sampleFrom) / 1000)) * 100, rss: rssMb(pid), p95: percentile(window, 95) });
      sampleFrom = now;
      cpuFrom = cpu;
    }
  }
  const t1 = Date.now();
  const cmd1 = await totalCommands(rig.client);
  const cpu1 = pid ? cpuSeconds(pid) : 0;
  await p.stop();
  await sleep(1000);
  unwatch();
  await drain(rig.queue);
  const ms = seen.map((l) => l.ms);
  return {
    commandsPerSecond: (cmd1 - cmd0) / ((t1 - t0) / 1000),
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    latencies: ms,
    probes: counted,
    lost: Math.max(0, counted - seen.length),
    frames: frameStats(rig.dashboards, t0, t1),
    cpuPercent: pid ? ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100 : NaN,
    rss: rssMb(pid),
  };
}

/** Several windows of one phase as one: latencies pooled, rates averaged, the largest frame burst, the last RSS. */
export function pooled(windows: RateResult[]): RateResult {
  const mean = (f: (w: RateResult) => number) => windows.reduce((a, w) => a + f(w), 0) / windows.length;
  const ms = windows.flatMap((w) => w.latencies);
  return {
    commandsPerSecond: mean((w) => w.commandsPerSecond),
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    latencies: ms,
    probes: windows.reduce((a, w) => a + w.probes, 0),
    lost: windows.reduce((a, w) => a + w.lost, 0),
    frames: { maxPerSecond: Math.max(...windows.map((w) => w.frames.maxPerSecond)), avgPerSecond: mean((w) => w.frames.avgPerSecond) },
    cpuPercent: mean((w) => w.cpuPercent),
    rss: windows.at(-1)!.rss,
  };
}

/** Redis commands per second over `seconds` with no jobs. */
export async function idleCommands(rig: Rig, seconds: number): Promise<number> {
  const c0 = await totalCommands(rig.client);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return ((await totalCommands(rig.client)) - c0 - 1) / ((Date.now() - t0) / 1000);
}
