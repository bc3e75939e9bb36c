import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { drainRun, fillPaused, fmt, percentile, privateRedis, startTs, verdict, ROOT, type DrainRun } from './support';
import { roundNoise } from './compare';

/**
 * The worker section's throughput part: Celerity's worker against a bare
 * BullMQ worker on the same jobs and the same private Redis, and what each
 * feature of Celerity's worker costs (turned off through startWorker's
 * bench-only `benchOff` switch). Each round runs every variant once, in an
 * order that rotates per round; a run = N no-op jobs added to a paused queue,
 * a fresh worker process (bench/worker-throughput-child.ts) started on it,
 * the queue resumed, timed from the resume to the last job's finishedOn.
 */

const JOBS = Number(process.env.BENCH_WORKER_JOBS ?? 20_000);
/** Jobs each worker process completes first, not timed (bench/support.ts drainRun). */
const WARMUP = Number(process.env.BENCH_WORKER_WARMUP ?? 5_000);
const ROUNDS = Number(process.env.BENCH_WORKER_ROUNDS ?? 7);
const PREFIX = 'bench';
const CHILD = path.join(ROOT, 'bench/worker-throughput-child.ts');

export const FEATURES = ['attempts', 'heartbeat', 'metrics', 'schedules'] as const;
const FEATURE_NAMES: Record<(typeof FEATURES)[number], string> = {
  attempts: 'attempt records',
  heartbeat: 'heartbeat',
  metrics: 'metrics (per-minute completed/failed counts)',
  schedules: 'schedule bookkeeping (run records, watchdog, delay pacer)',
};
const ALL_VARIANTS = ['bullmq', 'celerity', 'celerity-baseline', ...FEATURES.map((f) => `celerity-no-${f}`)];

/** An earlier commit's worker, side by side (BENCH_WORKER_BASELINE=<ref>): its sha and worktree. */
interface WorkerBaseline {
  sha: string;
  dir: string;
}

/**
 * A worktree of `ref` under .scratch/ (git ignores it; main's tree is not
 * touched) with today's node_modules linked in: the child imports that
 * commit's lib/ and runs its startWorker. Kept for the next run.
 */
function workerBaseline(ref: string | undefined): WorkerBaseline | undefined {
  if (!ref) return undefined;
  const git = (args: string[], cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  const sha = git(['rev-parse', '--verify', '--short', `${ref}^{commit}`]);
  const dir = path.join(ROOT, '.scratch', `bench-worker-baseline-${sha}`);
  git(['worktree', 'prune']);
  if (!existsSync(path.join(dir, '.git'))) git(['worktree', 'add', '--detach', dir, sha]);
  if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return { sha, dir };
}

/** One run: jobs/s and its cost per job. */
type Run = DrainRun;

async function runOnce(redis: Redis, url: string, variant: string, name: string, baseline: WorkerBaseline | undefined): Promise<Run> {
  const queue = new Queue(name, { connection: redis, prefix: PREFIX });
  await fillPaused(queue, WARMUP + JOBS);
  const lib: Record<string, string> = variant === 'celerity-baseline' && baseline ? { BENCH_WORKER_LIB: baseline.dir } : {};
  const child = startTs(CHILD, { REDIS_URL: url, CELERITY_PREFIX: PREFIX, ...lib }, /WORKER_READY/, [variant.replace('-baseline', ''), name]);
  try {
    await child.ready;
    return await drainRun(redis, queue, child.proc.pid!, JOBS, WARMUP);
  } finally {
    await child.stop();
    await queue.close();
    await redis.flushall();
  }
}

const med = (xs: number[]) => percentile(xs, 50);
const range = (xs: number[]) => `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`;

/** Where Celerity's commands beyond a bare worker's come from (BullMQ's Lua calls included). */
const SOURCES: Record<string, string> = {
  hincrby: "metrics: BullMQ's per-minute counter, in the completing Lua call",
  hget: "metrics: BullMQ's per-minute counter, in the completing Lua call",
  evalsha: 'attempt record: a Lua call of its own per job (baseline)',
  exists: 'attempt record: its existence check (baseline)',
  hset: 'attempt record: the field written (baseline)',
  zrevrangebyscore: "retention: the default retention's trim of the finished set, in the completing Lua call",
  zrevrange: "retention: the default retention's trim of the finished set, in the completing Lua call",
  zremrangebyrank: "retention: the default retention's trim of the finished set, in the completing Lua call",
};

function commandsTable(runs: Map<string, Run[]>, columns: [variant: string, title: string][]): string {
  const avg = (variant: string) => {
    const rs = runs.get(variant) ?? [];
    const out = new Map<string, number>();
    for (const r of rs) for (const [k, v] of r.commands) out.set(k, (out.get(k) ?? 0) + v / rs.length);
    return out;
  };
  const per = columns.map(([v]) => avg(v));
  const names = [...new Set(per.flatMap((m) => [...m.keys()]))].sort();
  const differs = (n: string) => per.some((m) => Math.abs((m.get(n) ?? 0) - (per[0]!.get(n) ?? 0)) >= 0.5);
  const rows = names
    .filter((n) => per.some((m) => (m.get(n) ?? 0) >= 0.01))
    .map((n) => `| ${n} | ${per.map((m) => fmt(m.get(n) ?? 0, 2)).join(' | ')} | ${differs(n) ? (SOURCES[n] ?? '') : ''} |`);
  return [
    `| Redis command (Lua scripts\u2019 own calls included), per job | ${columns.map(([, t]) => t).join(' | ')} | where the difference comes from |`,
    `|---|${columns.map(() => '---|').join('')}---|`,
    ...rows,
    `| **total** | ${per.map((m) => `**${fmt(total(m), 1)}**`).join(' | ')} | |`,
  ].join('\n');
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * One feature's cost: throughput with it against without it (medians, and
 * the run's noise: half the relative range of either variant's rounds,
 * bench/compare.ts), the worker's CPU and Redis commands per job.
 */
function featureCost(runs: Map<string, Run[]>, f: (typeof FEATURES)[number]): string {
  const on = runs.get('celerity') ?? [];
  const off = runs.get(`celerity-no-${f}`) ?? [];
  const rate = (rs: Run[]) => med(rs.map((r) => r.jobsPerSec));
  const cost = 1 - rate(on) / rate(off);
  const noise = Math.max(roundNoise(on.map((r) => r.jobsPerSec)), roundNoise(off.map((r) => r.jobsPerSec)));
  const judged = Math.abs(cost) <= noise ? 'within this run\u2019s noise' : cost > 0 ? 'slower with it beyond the noise' : 'faster with it beyond the noise';
  const cpu = (rs: Run[]) => med(rs.map((r) => r.workerUs));
  const cmds = (rs: Run[]) => med(rs.map((r) => total(r.commands)));
  return `- ${FEATURE_NAMES[f]}: ${fmt(rate(off), 0)} jobs/s without it, ${fmt(rate(on), 0)} with it: ${fmt(cost * 100, 0)} % (noise ±${fmt(noise * 100, 0)} %: ${judged}); worker CPU per job ${fmt(cpu(off), 0)} → ${fmt(cpu(on), 0)} µs; Redis commands per job ${fmt(cmds(off), 1)} → ${fmt(cmds(on), 1)}.`;
}

function report(runs: Map<string, Run[]>, variants: string[], baseline: WorkerBaseline | undefined, loads: number[]): string {
  const rates = (v: string) => (runs.get(v) ?? []).map((r) => r.jobsPerSec);
  const bare = med(rates('bullmq'));
  const cel = med(rates('celerity'));
  const paired = rates('celerity').map((c, i) => c / rates('bullmq')[i]!);
  const ratio = cel / bare;
  const cold = (v: string) => med((runs.get(v) ?? []).map((r) => r.fromResumeJobsPerSec));
  const label = (v: string) =>
    v === 'bullmq'
      ? 'bare BullMQ worker'
      : v === 'celerity'
        ? 'Celerity worker (all features on)'
        : v === 'celerity-baseline'
          ? `Celerity worker at ${baseline?.sha} (before this issue's changes; all features on)`
          : `Celerity without ${FEATURE_NAMES[v.slice(12) as (typeof FEATURES)[number]]}`;
  const row = (v: string) => {
    const rs = runs.get(v) ?? [];
    const r = rates(v);
    return `| ${label(v)} | ${fmt(med(r), 0)} | ${range(r)} | ${r.map((x) => fmt(x, 0)).join(', ')} | ${fmt(med(r) / bare, 2)} | ${fmt(cold(v), 0)} (${fmt(cold(v) / cold('bullmq'), 2)}) | ${fmt(med(rs.map((x) => total(x.commands))), 1)} | ${fmt(med(rs.map((x) => x.redisUs)), 1)} | ${fmt(med(rs.map((x) => x.workerUs)), 0)} |`;
  };
  const cpu = (v: string) => med((runs.get(v) ?? []).map((r) => r.workerUs + r.redisUs));
  const costs = FEATURES.filter((f) => variants.includes(`celerity-no-${f}`)).map((f) => featureCost(runs, f));
  return [
    `### Worker throughput: Celerity's worker against a bare BullMQ worker`,
    '',
    `Command: \`npm run bench -- worker\` (env: BENCH_WORKER_JOBS=${JOBS}, BENCH_WORKER_WARMUP=${WARMUP}, BENCH_WORKER_ROUNDS=${ROUNDS}${baseline ? `, BENCH_WORKER_BASELINE=${baseline.sha}` : ''}). One private redis-server (no persistence); ${(WARMUP + JOBS).toLocaleString('en')} no-op jobs (\`hello\`, no arguments, kept when done: they name \`removeOnComplete: false\`, so Celerity's default retention, which a job naming none gets from its worker, does not trim the set whose count times the run) added to a paused queue, then one fresh worker process (concurrency 50) started on it and the queue resumed. The first ${WARMUP.toLocaleString('en')} jobs warm the process up and are not timed (a worker in production has long since compiled its hot path; a fresh one spends its first second or so in the interpreter, more so with more code to compile); throughput = ${JOBS.toLocaleString('en')} / (last job's finishedOn − the last warm-up job's finishedOn). "From the resume" is the first ${JOBS.toLocaleString('en')} jobs timed from the resume instead, the process cold: shown beside, not what the target is judged on. ${ROUNDS} rounds, each running every variant once in an order rotating per round. "Bare" = a BullMQ \`Worker\` with default options (no metrics), the processor returning at once. Celerity = \`startWorker()\` with a registry holding the task (bench/worker-throughput-child.ts); "without X" turns one feature off through startWorker's bench-only \`benchOff\` option. Counted after the warm-up, per job: commands from Redis's INFO commandstats (the bench's own polling taken out; a script's own calls counted), Redis CPU from its INFO cpu (user + system), worker CPU from /proc. The machine is shared with other sessions (2 cores; load average over the last minute ${loads.map((l) => fmt(l, 1)).join(' → ')} from the first round to the last): rounds vary, compare within one run.`,
    '',
    '| worker | median jobs/s | min–max | rounds | / bare (medians) | from the resume: median jobs/s (/ bare) | Redis commands per job | Redis CPU per job (µs) | worker CPU per job (µs) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...variants.map(row),
    '',
    `Celerity / bare: ${fmt(ratio, 2)} (medians); per round ${paired.map((p) => fmt(p, 2)).join(', ')} (${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)}). Target ≥ 0.9× bare BullMQ with attempt records, heartbeat and metrics on: ${verdict(ratio >= 0.9)}. From the resume (cold processes): ${fmt(cold('celerity') / cold('bullmq'), 2)}.`,
    '',
    `CPU per job, worker process + Redis (medians, steadier than throughput on a shared machine): Celerity ${fmt(cpu('celerity'), 0)} µs, bare ${fmt(cpu('bullmq'), 0)} µs: bare / Celerity = ${fmt(cpu('bullmq') / cpu('celerity'), 2)}.`,
    '',
    "What each feature costs (turned off in the bench only). Per job, attempt records add no command of the worker's own (the completing attempt is read from the fields BullMQ writes as it takes and completes the job; failed, cancelled and handed-back attempts are still written, one Lua call each), the heartbeat none (one write every 5 s), metrics two inside BullMQ's completing Lua call (HINCRBY, HGET), schedule bookkeeping none for a job that is not a schedule's (a schedule's run: its run record written twice, one MULTI each, awaited before the job completes; in the background a watchdog pass a second and a ZRANGE every 250 ms per queue for the delay pacer):",
    ...costs,
    '',
    commandsTable(runs, [
      ['bullmq', 'bare BullMQ'],
      ...(baseline ? ([['celerity-baseline', `Celerity at ${baseline.sha}`]] as [string, string][]) : []),
      ['celerity', 'Celerity'],
    ]),
  ].join('\n');
}

/** Run the rounds and return the markdown of this part of the `worker` section. */
export async function benchWorkerThroughput(): Promise<string> {
  const only = process.env.BENCH_WORKER_VARIANTS?.split(',').filter(Boolean);
  const baseline = workerBaseline(process.env.BENCH_WORKER_BASELINE);
  const variants = ALL_VARIANTS.filter((v) => (!only || only.includes(v)) && (v !== 'celerity-baseline' || baseline));
  const redis = await privateRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const runs = new Map<string, Run[]>(variants.map((v) => [v, []]));
  const loads: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 0 || round === ROUNDS - 1) loads.push(os.loadavg()[0]!);
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const v of order) {
        const r = await runOnce(client, redis.url, v, `wt-${round}-${v}`, baseline);
        runs.get(v)!.push(r);
        console.log(`[bench] worker round ${round + 1}/${ROUNDS} ${v}: ${fmt(r.jobsPerSec, 0)} jobs/s, ${fmt(r.workerUs, 0)} µs CPU/job`);
      }
    }
  } finally {
    client.disconnect();
    await redis.cleanup();
  }
  return report(runs, variants, baseline, loads);
}
