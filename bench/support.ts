import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, startRedisServer, type RunningRedis } from '../scripts/redis-server';

/** Helpers shared by the benchmarks: a private Redis, child processes, percentiles, BENCHMARKS.md sections. */

export const ROOT = path.resolve(import.meta.dirname, '..');

/** The build directory the benches use (NEXT_DIST_DIR, default .next-bench), set for the builds they start. */
export function benchDistDir(): string {
  return (process.env.NEXT_DIST_DIR ||= '.next-bench');
}

export async function privateRedis(): Promise<RunningRedis & { dir: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-bench-redis-'));
  const r = await startRedisServer({ port: await freePort(), dir, appendonly: false });
  return {
    ...r,
    dir,
    async cleanup() {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  stop(): Promise<number | null>;
}

/**
 * Start a TS entry (`node --import tsx`) and resolve `ready` when its output
 * matches. `cwd` is where it runs (a baseline's worktree for its server.ts).
 */
export function startTs(file: string, env: Record<string, string>, readyLine: RegExp, args: string[] = [], cwd = ROOT): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (readyLine.test(out)) resolve();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${file} exited (${code}) before ready:\n${out.slice(-3000)}`)));
  });
  ready.catch(() => {});
  let stopping = false;
  // A child that dies mid-run would otherwise surface only as a refused connection somewhere later.
  void Promise.all([ready, exited])
    .then(([, code]) => stopping || console.error(`[bench] ${file} exited (${code ?? proc.signalCode}) during the run:\n${out.slice(-3000)}`))
    .catch(() => {});
  return {
    proc,
    ready,
    async stop() {
      stopping = true;
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** The p-th percentile (0–100) of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** One GET, body read to its end: its time in ms. A non-2xx answer throws (a bench must not time error pages). */
export async function timeGet(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  return performance.now() - t;
}

/** Seconds of CPU (user + system) a process has used so far (/proc/<pid>/stat, in clock ticks of 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (in parentheses) may hold spaces: the fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The commands Redis ran since its last CONFIG RESETSTAT (INFO commandstats): name → [calls, usec]. */
export async function commandStats(redis: { info(section: string): Promise<string> }): Promise<Map<string, [number, number]>> {
  const out = new Map<string, [number, number]>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out.set(m[1]!, [Number(m[2]), Number(m[3])]);
  }
  return out;
}

/**
 * The CPU Redis's process used so far (INFO cpu: user + system), µs: what a workload costs Redis, network and
 * event loop included. (INFO commandstats's usec would count a script's own calls twice: in the script's time
 * and again under their own names.)
 */
export async function redisCpuUs(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** One part of a bench section: its name in the section's PARTS variable, the heading it writes first, how to run it. */
export interface BenchPart {
  name: string;
  heading: string;
  run: () => Promise<string>;
}

/**
 * Run the parts of section `section` that the env variable `partsVar` names (all when unset), in order; a part
 * not run keeps its text from BENCHMARKS.md as its last run left it (from its heading to the next part's, or to
 * the section's closing "Run on" line).
 */
export async function runParts(section: string, partsVar: string, parts: readonly BenchPart[]): Promise<string[]> {
  const wanted = process.env[partsVar]?.split(',');
  const out: string[] = [];
  for (const part of parts) {
    const text = !wanted || wanted.includes(part.name) ? await part.run() : previousPart(section, part.heading, parts);
    if (text) out.push(text);
  }
  return out;
}

function previousPart(section: string, heading: string, parts: readonly BenchPart[]): string | undefined {
  const text = readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
  const body = new RegExp(`<!-- bench:${section} -->([\\s\\S]*?)<!-- /bench:${section} -->`).exec(text)?.[1] ?? '';
  const start = body.indexOf(heading);
  if (start < 0) return undefined;
  const rest = body.slice(start);
  const ends = [...parts.map((p) => p.heading), '\nRun on '].map((h) => rest.indexOf(h, heading.length)).filter((i) => i > 0);
  return rest.slice(0, Math.min(...ends, rest.length)).trim();
}

/** A process's resident memory in MB (NaN without a pid). */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** How BENCHMARKS.md says whether a target was reached. */
export const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

/**
 * Replace (or append) one bench's section in BENCHMARKS.md, between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so benches can run separately.
 */
export function writeSection(name: string, markdown: string): void {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const header =
    "# Benchmarks\n\nMeasured on this project's reference machine (2 cores, 24 GiB). Each section says the exact command that produced it; numbers vary ±20% run to run, so compare ratios within one run.\n";
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, doc);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the throughput benches need of a queue: BullMQ's, on the bench's connection. */
interface BenchQueue {
  name: string;
  keys: Record<string, string>;
  pause(): Promise<void>;
  addBulk(jobs: { name: string; data: object; opts?: object }[]): Promise<unknown>;
}

/**
 * Add `n` no-op jobs (`hello`) to `queue`, paused: a worker started on it takes nothing until the resume. They
 * are kept when done (`removeOnComplete: false`): Celerity's worker would otherwise apply its default retention
 * (lib/queue/job-options.ts) and trim the completed set that {@link drained} counts, which a bare worker never does.
 */
export async function fillPaused(queue: BenchQueue, n: number): Promise<void> {
  await queue.pause();
  const opts = { removeOnComplete: false, removeOnFail: false };
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: 'hello', data: {}, opts })));
  }
}

/** Wait until `n` jobs completed (none may fail); the last finishedOn, and the ZCARDs this wait sent (not the worker's). */
export async function drained(
  redis: { zcard(key: string): Promise<number>; zrange(key: string, a: number, b: number, w: 'WITHSCORES'): Promise<string[]> },
  queue: BenchQueue,
  n: number,
  pollMs = 20,
): Promise<{ lastFinished: number; polls: number }> {
  const deadline = Date.now() + 300_000;
  let polls = 0;
  for (;;) {
    polls += 2;
    const [done, failed] = await Promise.all([redis.zcard(queue.keys.completed!), redis.zcard(queue.keys.failed!)]);
    if (failed > 0) throw new Error(`${failed} jobs failed on ${queue.name}`);
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`only ${done} of ${n} jobs completed on ${queue.name}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { lastFinished: await finishedAt(redis, queue, -1), polls };
}

/** What one drain of a paused queue by a worker process cost, per job. */
export interface DrainRun {
  /** Jobs/s over the timed jobs: after the warm-up ones, or from the resume when there are none. */
  jobsPerSec: number;
  /** Jobs/s over the first jobs from the resume, as many as were timed: the process still cold (JIT, first connections). */
  fromResumeJobsPerSec: number;
  /** Redis commands per job, by command (a script's own calls included), the bench's own taken out. */
  commands: Map<string, number>;
  /** Redis CPU per job, µs (its process's user + system CPU over the run: INFO cpu). */
  redisUs: number;
  /** The worker process's CPU per job, µs (user + system, /proc). */
  workerUs: number;
}

/** The finishedOn of the `index`-th job to finish (0-based; -1: the last): the completed set is scored by it. */
async function finishedAt(redis: Parameters<typeof drained>[0], queue: BenchQueue, index: number): Promise<number> {
  const [, score] = await redis.zrange(queue.keys.completed!, index, index, 'WITHSCORES');
  return Number(score);
}

/**
 * Resume `queue` (filled paused with `warmup` + `n` jobs, its worker process `pid` ready) and time it until
 * drained. The first `warmup` jobs are not timed: a worker in production has long since compiled its hot
 * path, and a fresh process spends its first second or so in the interpreter. Timed: the next `n` jobs, from
 * the finishedOn of the last warm-up job to the last one's (from the resume when `warmup` is 0), and what they
 * cost Redis and the worker per job (counted from when the warm-up was seen done, over the jobs since).
 */
export async function drainRun(
  redis: { config(op: 'RESETSTAT'): Promise<unknown>; info(section: string): Promise<string> } & Parameters<typeof drained>[0],
  queue: BenchQueue & { resume(): Promise<void> },
  pid: number,
  n: number,
  warmup = 0,
): Promise<DrainRun> {
  const cpuUs = () => cpuSeconds(pid) * 1e6;
  const sample = async () => {
    await redis.config('RESETSTAT');
    return { worker: cpuUs(), redis: await redisCpuUs(redis) };
  };
  // Counted from the resume when nothing warms up, else from when the warm-up was seen done (`seen` jobs then).
  const afterWarmup = async () => {
    await drained(redis, queue, warmup, 5);
    const from = await sample();
    return { from, seen: await redis.zcard(queue.keys.completed!) };
  };
  const cold = warmup > 0 ? undefined : { from: await sample(), seen: 0 };
  const t0 = Date.now();
  await queue.resume();
  const { from, seen } = cold ?? (await afterWarmup());
  const { lastFinished, polls } = await drained(redis, queue, warmup + n);
  const counted = warmup + n - seen;
  const workerUs = (cpuUs() - from.worker) / counted;
  const redisUs = ((await redisCpuUs(redis)) - from.redis) / counted;
  const stats = await commandStats(redis);
  // The bench's own commands are not the worker's.
  stats.set('zcard', [(stats.get('zcard')?.[0] ?? 0) - polls - (warmup > 0 ? 1 : 0), stats.get('zcard')?.[1] ?? 0]);
  for (const own of ['config|resetstat', 'info', 'zrange']) stats.delete(own);
  const commands = new Map([...stats].map(([k, [calls]]) => [k, calls / counted] as const).filter(([, c]) => c > 0));
  const start = warmup > 0 ? await finishedAt(redis, queue, warmup - 1) : t0;
  const coldEnd = warmup > 0 ? await finishedAt(redis, queue, n - 1) : lastFinished;
  return { jobsPerSec: (n / (lastFinished - start)) * 1000, fromResumeJobsPerSec: (n / (coldEnd - t0)) * 1000, commands, redisUs, workerUs };
}
