import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { fmt, privateRedis, verdict, ROOT } from './support';
import { roundNoise } from './compare';
import { FAR_RATE, JOBS, median, throughputOnce, type ThroughputRun } from './controls-throughput';
import { RATE_SECONDS, rateOnce, type RateRun } from './controls-rate';
import { START_MARGIN_MS } from '../lib/limits/throttle-gate';

/**
 * The `controls` section of BENCHMARKS.md (`npm run bench -- controls`, issue
 * 16): what the task controls cost when unused and with a rate limit far above
 * the load (throughput, interleaved rounds against a bare BullMQ worker), and
 * how closely a rate limit is used without ever being exceeded (handler
 * starts over 30 s on three worker processes).
 */

const ROUNDS = Number(process.env.BENCH_CONTROLS_ROUNDS ?? 7);
const RATE_ROUNDS = Number(process.env.BENCH_CONTROLS_RATE_ROUNDS ?? 3);
const VARIANTS = ['bullmq', 'celerity', 'celerity-rate'] as const;
const LIMITS = [50, 5];
/** The worker section's Celerity / bare ratio before the controls existed (BENCHMARKS.md at 1a964c2; controls came with 8d1f30f). */
const BEFORE = { ratio: 1.0, rounds: [1.06, 1.01, 0.69, 1.02, 1.01, 1.05, 0.9], commit: '1a964c2' };

const LABELS: Record<(typeof VARIANTS)[number], string> = {
  bullmq: 'bare BullMQ worker',
  celerity: 'Celerity worker, no control set',
  'celerity-rate': `Celerity worker, the task's rateLimit '${FAR_RATE}'`,
};

type Runs = Record<(typeof VARIANTS)[number], ThroughputRun[]>;
type Rates = Record<(typeof VARIANTS)[number], number[]>;

const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;
const list = (xs: number[], d = 0) => xs.map((x) => fmt(x, d)).join(', ');
const paired = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function throughputReport(runs: Runs): string {
  const r = Object.fromEntries(VARIANTS.map((v) => [v, runs[v].map((x) => x.jobsPerSec)])) as Rates;
  const cost = (v: (typeof VARIANTS)[number], k: keyof ThroughputRun, d: number) => fmt(median(runs[v].map((x) => x[k])), d);
  const row = (v: (typeof VARIANTS)[number]) =>
    `| ${LABELS[v]} | ${fmt(median(r[v]), 0)} | ${range(r[v])} | ${list(r[v])} | ${fmt(median(r[v]) / median(r.bullmq), 2)} | ${fmt(median(r[v]) / median(r.celerity), 2)} | ${cost(v, 'commands', 1)} | ${cost(v, 'scripts', 2)} | ${cost(v, 'redisUs', 0)} | ${cost(v, 'workerUs', 0)} |`;
  const a = median(r.celerity) / median(r.bullmq);
  const aRounds = paired(r.celerity, r.bullmq);
  const aNoise = Math.max(roundNoise(r.celerity), roundNoise(r.bullmq));
  const beforeNoise = roundNoise(BEFORE.rounds);
  const within = Math.abs(a - BEFORE.ratio) <= Math.max(aNoise, beforeNoise);
  const b = median(r['celerity-rate']) / median(r.celerity);
  const bRounds = paired(r['celerity-rate'], r.celerity);
  return [
    '| worker | median jobs/s | min–max | rounds | / bare (medians) | / Celerity without controls (medians) | Redis commands per job | of them script calls | Redis CPU per job (µs) | worker CPU per job (µs) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...VARIANTS.map(row),
    '',
    `- **Unused controls cost nothing** (issue 16): Celerity with no control set / bare BullMQ = **${fmt(a, 2)}** (medians; per round ${list(aRounds, 2)}; this run's noise ±${fmt(aNoise * 100, 0)} %). The same ratio before the controls existed, recorded in the worker section at ${BEFORE.commit}: ${fmt(BEFORE.ratio, 2)} (per round ${range(BEFORE.rounds, 2)}, noise ±${fmt(beforeNoise * 100, 0)} %). ${within ? '**Within noise**' : '**Not met**: outside the noise of both runs'}. (The worker before the controls cannot run side by side here: the comparison is of ratios to a bare BullMQ worker, each from its own run.)`,
    `- **A rate limit far above the load** ('${FAR_RATE}' on the task; one worker completes at most ~10k jobs/s here, so it never holds a job, but every job passes the gate: while the log stays under half the limit the worker asks, with its gate calls, for a lease of as many starts as its jobs asked for in the last ${START_MARGIN_MS / 2} ms and hands them to its next jobs without a call, each lease settled in one call (lib/limits/start-lease.ts); a job that finds no leased start shares one Lua call with the worker's other jobs asking in the same turn or while 4 calls are on their way (lib/limits/gate-batcher.ts); a job whose handler starts later than the ${START_MARGIN_MS} ms margin after its call left makes one more call to move its start in the log; no release call, the task has no concurrency limit; Redis CPU is its process's, from INFO cpu): ${fmt(b, 2)}× the throughput without it (medians; per round ${list(bRounds, 2)}). Target ≥ 0.8×: ${verdict(b >= 0.8)}.`,
  ].join('\n');
}

function rateReport(runs: RateRun[]): string {
  const rows = runs.map(
    (x) =>
      `| ${x.limit}/s | ${x.jobs} | ${fmt(x.spanMs / 1000, 1)} | ${fmt(x.rate, 2)} | ${fmt((x.rate / x.limit) * 100, 1)} % | ${x.maxHandlerStarts} | ${x.maxAdmissions} | ${x.lagP99} / ${x.lagMax} | ${x.restamped} | ${x.crowded} / ${x.unexplained} |`,
  );
  const summary = LIMITS.map((limit) => {
    const mine = runs.filter((x) => x.limit === limit);
    const ratios = mine.map((x) => x.rate / limit);
    const worst = Math.max(...mine.map((x) => x.maxHandlerStarts));
    const ok = Math.min(...ratios) >= 0.95 && worst <= limit;
    return `- ${limit}/s: average start rate ${fmt(median(ratios) * 100, 1)} % of the limit (median of ${mine.length} rounds; ${range(
      ratios.map((q) => q * 100),
      1,
    )} %), most handler starts in any sliding second ${worst} (limit ${limit}; seconds over it ${sum(mine.map((x) => x.crowded))}, of which ${sum(mine.map((x) => x.unexplained))} without a handler that started more than the ${START_MARGIN_MS} ms margin after its start in the log: one that waited in its worker after the gate's answer was checked, behind a busy event loop or a process the OS did not run). Target (every round ≥ 95 % of the limit, no sliding second over it): ${verdict(ok)}.`;
  });
  return [
    `| limit | jobs | span (s) | handler starts/s | of the limit | most handler starts in any 1 s | most admissions in any 1 s | handler start − admission p99 / max (ms) | admissions that reached their worker late (start moved in the log) | seconds over the limit / of those without a handler that started more than the margin after its start in the log |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...summary,
  ].join('\n');
}

export async function benchControls(): Promise<string> {
  const redis = await privateRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const rates: Runs = { bullmq: [], celerity: [], 'celerity-rate': [] };
  const accuracy: RateRun[] = [];
  const loads: number[] = [os.loadavg()[0]!];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!)) {
        rates[v].push(await throughputOnce(client, redis.url, v, `ct-${round}-${v}`));
        const x = rates[v].at(-1)!;
        console.log(
          `[bench] controls throughput round ${round + 1}/${ROUNDS} ${v}: ${fmt(x.jobsPerSec, 0)} jobs/s, ${fmt(x.commands, 1)} cmds/job, Redis ${fmt(x.redisUs, 0)} µs/job, worker ${fmt(x.workerUs, 0)} µs/job`,
        );
      }
    }
    loads.push(os.loadavg()[0]!);
    for (let round = 0; round < RATE_ROUNDS; round++) {
      for (const limit of LIMITS.map((_, i) => LIMITS[(i + round) % LIMITS.length]!)) {
        const r = await rateOnce(client, redis.url, limit, `cr-${round}-${limit}`);
        accuracy.push(r);
        console.log(`[bench] controls rate round ${round + 1}/${RATE_ROUNDS} ${limit}/s: ${fmt(r.rate, 2)}/s, most in 1 s ${r.maxHandlerStarts}`);
      }
    }
    loads.push(os.loadavg()[0]!);
  } finally {
    client.disconnect();
    await redis.cleanup();
  }
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  return [
    '## Task controls: their cost, and a rate limit used to the full without being exceeded',
    '',
    `Command: \`npm run bench -- controls\` (env: BENCH_CONTROLS_JOBS=${JOBS}, BENCH_CONTROLS_ROUNDS=${ROUNDS}, BENCH_CONTROLS_RATE_ROUNDS=${RATE_ROUNDS}, BENCH_CONTROLS_RATE_SECONDS=${RATE_SECONDS}), at ${sha}. One private redis-server (no persistence). The machine is shared with other sessions (2 cores; load average over the last minute ${loads.map((l) => fmt(l, 1)).join(' → ')} at the start, between the parts and at the end): rounds vary, compare within one run.`,
    '',
    `### Throughput`,
    '',
    `The worker section's method (bench/worker-throughput.ts): ${JOBS.toLocaleString('en')} no-op jobs added to a paused queue, one fresh worker process (concurrency 50; bench/controls-child.ts) started on it, the queue resumed; throughput = jobs / (last job's finishedOn − resume). ${ROUNDS} rounds, each running every variant once in an order rotating per round.`,
    '',
    throughputReport(rates),
    '',
    '### Rate limit accuracy',
    '',
    `A task with \`rateLimit: '<limit>/s'\` on three Celerity worker processes (concurrency 50 each, one queue), limit × ${RATE_SECONDS + 1} no-op jobs queued at once and run to the end (${RATE_SECONDS} s and more). A job's start is its handler's own \`Date.now()\` (its result; one machine, one clock), not the gate's: the gate admits at most the limit in any ${1000 + START_MARGIN_MS} ms (the second plus a ${START_MARGIN_MS} ms start margin); a worker whose admission reached it within the margin starts the handler at once, a later one has its start moved in the log to when Redis hears of the handler's start (lib/limits/throttle-gate.ts). Average start rate = (jobs − limit) / (last start − first start): the first \`limit\` may start at once. ${RATE_ROUNDS} rounds, the two limits alternating.`,
    '',
    rateReport(accuracy),
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}.`,
  ].join('\n');
}
