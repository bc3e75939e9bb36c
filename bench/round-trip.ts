import path from 'node:path';
import { fmt, percentile, privateRedis, startTs, verdict, ROOT } from './support';

/**
 * The worker section's client part: the hello round trip (enqueue, then
 * waitForResult) and enqueue speed, side by side with bare BullMQ in one run.
 * A private Redis; worker processes (bench/round-trip-worker.ts): Celerity's
 * own worker on one queue, a bare BullMQ worker on another; the client runs in
 * a child process of its own (bench/round-trip-client.ts) so lib/env reads
 * this run's Redis. Every comparison interleaves its variants (one sample or
 * one round each in turn, the order rotating).
 */

const PREFIX = 'bench';
const WORKER = path.join(ROOT, 'bench/round-trip-worker.ts');
const CLIENT = path.join(ROOT, 'bench/round-trip-client.ts');
const SAMPLES = Number(process.env.BENCH_RT_SAMPLES ?? 300);
const ROUNDS = Number(process.env.BENCH_RT_ROUNDS ?? 7);
const ENQUEUE_JOBS = Number(process.env.BENCH_RT_ENQUEUE_JOBS ?? 2000);

/** Run one part of the client child and return its raw samples. */
async function clientPart<T>(part: string, env: Record<string, string>): Promise<T> {
  let out = '';
  const child = startTs(CLIENT, env, /RESULT .*\n/, [part]);
  child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await child.ready;
  await child.stop();
  return JSON.parse(/RESULT (.*)\n/.exec(out)![1]!) as T;
}

const median = (xs: number[]) => percentile(xs, 50);
const rounds = (xs: number[], d = 0) => xs.map((x) => fmt(x, d)).join(', ');
/** Half the relative range of the rounds, as in bench/compare.ts. */
const spread = (xs: number[]) => `±${fmt(((Math.max(...xs) - Math.min(...xs)) / (2 * median(xs))) * 100, 0)} %`;

/** What the client child measures for the round trip: latency samples, and Redis calls per round trip by command (see HOPS there). */
type RoundTrips = { samples: Record<string, number[]>; calls: Record<string, Record<string, number>> };

function roundTripTable({ samples, calls }: RoundTrips): { md: string; p50: number; p95: number } {
  const hops = (v: string) => ['evalsha', 'xread', 'bzpopmin'].map((c) => fmt(calls[v]?.[c] ?? NaN, 1)).join(' / ');
  const rows = Object.entries(samples).map(
    ([v, xs]) => `| ${v} | ${fmt(percentile(xs, 50), 2)} | ${fmt(percentile(xs, 95), 2)} | ${fmt(percentile(xs, 99), 2)} | ${xs.length} | ${hops(v)} |`,
  );
  const md = [
    '| round trip (enqueue hello, then wait for its result) | p50 (ms) | p95 (ms) | p99 (ms) | samples | Redis calls per round trip: scripts / stream reads / blocking fetches |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  return { md, p50: percentile(samples.celerity!, 50), p95: percentile(samples.celerity!, 95) };
}

/** What the client child measures for a rate part: jobs/s and its CPU per job (µs), per variant and round. */
type Rates = { rates: Record<string, number[]>; cpu: Record<string, number[]> };

/** Rates per variant: a table of medians and rounds, and the first variant / the reference. */
function rateTable(what: string, { rates, cpu }: Rates, reference: string): { md: string; ratio: number; ratioRounds: number[]; cpu: string } {
  const [mine] = Object.keys(rates);
  const rows = Object.entries(rates).map(([v, xs]) => `| ${v} | ${fmt(median(xs), 0)} | ${spread(xs)} | ${rounds(xs)} | ${fmt(median(cpu[v] ?? []), 1)} |`);
  const md = [`| ${what} | median (jobs/s) | rounds' spread | each round (jobs/s) | client CPU per job, median (µs) |`, '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
  const ratioRounds = rates[mine!]!.map((x, i) => x / rates[reference]![i]!);
  const cpuOf = (v: string) => fmt(median(cpu[v] ?? []), 1);
  return {
    md,
    ratio: median(rates[mine!]!) / median(rates[reference]!),
    ratioRounds,
    cpu: `client CPU per job ${cpuOf(mine!)} µs against ${cpuOf(reference)} µs`,
  };
}

export async function benchRoundTrip(): Promise<string> {
  const redis = await privateRedis();
  const env = { REDIS_URL: redis.url, CELERITY_PREFIX: PREFIX, CELERITY_LOG_LEVEL: 'warn' };
  const workers = [startTs(WORKER, env, /WORKER_READY/, ['celerity', 'rt-celerity']), startTs(WORKER, env, /WORKER_READY/, ['bullmq', 'rt-bare'])];
  try {
    await Promise.all(workers.map((w) => w.ready));
    const rt = roundTripTable(await clientPart<RoundTrips>('round-trip', env));
    for (const w of workers) await w.stop();
    // No worker from here: enqueue speed alone, jobs left waiting.
    const enq = rateTable('sequential add, one job at a time', await clientPart<Rates>('enqueue', env), 'queue.add');
    const bulk = rateTable('bulk add, 1,000 jobs a call (task `add`, args checked)', await clientPart<Rates>('bulk', env), 'addBulk');
    return [
      '### Round trip and enqueue',
      '',
      `Command: \`npm run bench -- worker\` (env: BENCH_RT_SAMPLES=${SAMPLES}, BENCH_RT_ROUNDS=${ROUNDS}, BENCH_RT_ENQUEUE_JOBS=${ENQUEUE_JOBS}). One private redis-server. Round trip: ${SAMPLES} sequential \`enqueue('hello')\` + \`waitForResult()\` per variant after 50 warm-up ones, one of each variant in turn (order rotating); Celerity's worker (\`startWorker\`, every feature on) and a bare BullMQ worker (default options), concurrency 10, each in its own process on its own queue; the client in another process. "bullmq" is BullMQ's own round trip: \`queue.add\` then \`job.waitUntilFinished(queueEvents)\`. Enqueue: ${ROUNDS} rounds of ${ENQUEUE_JOBS} sequential adds (bulk: 10 calls of 1,000 jobs) per variant, no worker running, the variants alternating within each round (100 adds, or one bulk call, of each in turn, the order rotating), so that every variant of a round sees the same seconds of the machine; "with the default retention as job options" adds Celerity's default retention (removeOnComplete/removeOnFail) to each job, as enqueue did before Celerity's worker applied it to jobs that name none (lib/queue/job-options.ts): what that saves. Client CPU per job = the client process's user + system CPU over a round / its jobs (steadier than jobs/s here: the machine is shared with other sessions). Redis calls per round trip: after the samples, ${process.env.BENCH_RT_CALL_SAMPLES ?? 100} more round trips of each variant alone, counted by Redis (\`INFO commandstats\`, every process's calls: client and worker): EVALSHA (BullMQ's scripts: add, the worker's fetches and completion, the client's state read), XREAD (each wake of a result reader; the bullmq variant's QueueEvents and Celerity's listener both read the bare queue's stream), BZPOPMIN (the worker's blocking waits).`,
      '',
      rt.md,
      '',
      enq.md,
      '',
      bulk.md,
      '',
      'Against the targets (issue 14, item 2), on this run:',
      `- hello round trip with Celerity's worker p50 = ${fmt(rt.p50, 2)} ms (≤ 2 ms: ${verdict(rt.p50 <= 2)}), p95 = ${fmt(rt.p95, 2)} ms (≤ 5 ms: ${verdict(rt.p95 <= 5)}); before this change waitForResult polled every 100 ms: 102 ms p50 / 103 ms p95;`,
      `- sequential enqueue / queue.add = ${fmt(enq.ratio, 2)} (per round: ${rounds(enq.ratioRounds.map((x) => x * 100))} %; ${enq.cpu}) (≥ 0.9: ${verdict(enq.ratio >= 0.9)});`,
      `- enqueueMany / addBulk = ${fmt(bulk.ratio, 2)} (per round: ${rounds(bulk.ratioRounds.map((x) => x * 100))} %; ${bulk.cpu}) (≥ 0.9: ${verdict(bulk.ratio >= 0.9)}).`,
    ].join('\n');
  } finally {
    for (const w of workers) await w.stop();
    await redis.cleanup();
  }
}

// `node --import tsx bench/round-trip.ts`: this part alone, printed (BENCHMARKS.md is written by `npm run bench -- worker`).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchRoundTrip());
  process.exit(0);
}
