import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The client process of the round-trip bench (bench/round-trip.ts), so that
 * lib/env reads this run's Redis. Arg: the part (`round-trip`, `enqueue`,
 * `bulk`). Env: REDIS_URL, CELERITY_PREFIX, BENCH_RT_* counts. Prints one
 * line `RESULT <json>` with the raw samples; the parent does the statistics.
 */
const part = process.argv[2];
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const url = process.env.REDIS_URL!;
const prefix = process.env.CELERITY_PREFIX!;

const { createClient } = await import('../lib/client/create-client');
const { createRegistry } = await import('../lib/registry/task-registry');
const { defineTask } = await import('../lib/registry/define-task');
const { DEFAULT_RETENTION } = await import('../lib/queue/job-options');

const registry = createRegistry([
  defineTask({ name: 'hello', description: 'hello world', queue: 'rt-celerity', schema: z.object({}), handler: () => 'hello world' }),
  defineTask({ name: 'hello-on-bare', description: 'hello world', queue: 'rt-bare', schema: z.object({}), handler: () => 'hello world' }),
  defineTask({ name: 'enq', description: 'no-op', queue: 'enq-celerity', schema: z.object({}), handler: () => 'hello world' }),
  defineTask({
    name: 'add',
    description: 'a + b',
    queue: 'bulk-celerity',
    schema: z.object({ a: z.number(), b: z.number() }),
    handler: ({ a, b }) => a + b,
  }),
]);
const client = createClient(registry);
// What a BullMQ user would write: a Queue on a connection of its own.
const connection = new Redis(url, { maxRetriesPerRequest: 1 });
const bareQueue = (name: string) => new Queue(name, { connection, prefix });

/** Run `variants` `rounds` times, each in turn, the order rotating per round; `measure` gives one variant's figure for a round. */
async function interleave(rounds: number, variants: string[], measure: (variant: string) => Promise<number>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length]!;
      out[v]!.push(await measure(v));
    }
  }
  return out;
}

/**
 * Rounds of adds, the variants alternating chunk by chunk within a round (the
 * order rotating per chunk): each variant's round is the sum of its chunks, so
 * all variants of a round see the same seconds of a machine whose speed drifts
 * (rounds varied ±15–30 % when each variant's round ran as one block). Returns
 * jobs/s per round and this process's CPU per job (µs, user + system) —
 * steadier than throughput on a shared machine, and it is the client's own cost.
 */
async function chunkedRounds(
  rounds: number,
  chunks: number,
  jobsPerChunk: number,
  runs: Record<string, () => Promise<unknown>>,
  perChunk: number,
): Promise<{ rates: Record<string, number[]>; cpu: Record<string, number[]> }> {
  const variants = Object.keys(runs);
  const rates: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const chunk = async (v: string) => {
    const c = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < perChunk; i++) await runs[v]!();
    const used = process.cpuUsage(c);
    return { ms: performance.now() - t, us: used.user + used.system };
  };
  for (const v of variants) await chunk(v); // warm-up, not kept
  for (let r = 0; r < rounds; r++) {
    const ms = new Map(variants.map((v) => [v, 0]));
    const us = new Map(variants.map((v) => [v, 0]));
    for (let k = 0; k < chunks; k++) {
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(j + k + r) % variants.length]!;
        const t = await chunk(v);
        ms.set(v, ms.get(v)! + t.ms);
        us.set(v, us.get(v)! + t.us);
      }
    }
    const jobs = chunks * jobsPerChunk;
    for (const v of variants) {
      rates[v]!.push((jobs / ms.get(v)!) * 1000);
      cpu[v]!.push(us.get(v)! / jobs);
    }
  }
  return { rates, cpu };
}

async function roundTrip(): Promise<unknown> {
  const bare = bareQueue('rt-bare');
  const events = new QueueEvents('rt-bare', { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix });
  await events.waitUntilReady();
  const runs: Record<string, () => Promise<unknown>> = {
    celerity: async () => (await client.enqueue('hello')).waitForResult(10_000),
    'celerity client, bare worker': async () => (await client.enqueue('hello-on-bare')).waitForResult(10_000),
    'bullmq (waitUntilFinished)': async () => (await bare.add('hello', {})).waitUntilFinished(events, 10_000),
  };
  const once = async (v: string) => {
    const t = performance.now();
    const result = await runs[v]!();
    if (result !== 'hello world') throw new Error(`${v}: unexpected result ${JSON.stringify(result)}`);
    return performance.now() - t;
  };
  const names = Object.keys(runs);
  for (let i = 0; i < num('BENCH_RT_WARMUP', 50); i++) for (const v of names) await once(v);
  // One sample per variant in turn (order rotating): the machine's drift hits all alike.
  const samples = await interleave(num('BENCH_RT_SAMPLES', 300), names, once);
  const calls: Record<string, Record<string, number>> = {};
  for (const v of names) calls[v] = await callsPerRoundTrip(() => once(v));
  await events.close();
  return { samples, calls };
}

/** Commands that only a process sends (never one of BullMQ's Lua scripts from inside): the round trip's hops. */
const HOPS = ['evalsha', 'xread', 'bzpopmin'];

/** The calls of each of {@link HOPS} that Redis counted (INFO commandstats). */
async function hopCalls(): Promise<Record<string, number>> {
  const info = await connection.info('commandstats');
  return Object.fromEntries(HOPS.map((c) => [c, Number(new RegExp(`cmdstat_${c}:calls=(\\d+)`).exec(info)?.[1] ?? 0)]));
}

/** Those calls per round trip over BENCH_RT_CALL_SAMPLES sequential round trips of one variant (every process's: client, worker). */
async function callsPerRoundTrip(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const n = num('BENCH_RT_CALL_SAMPLES', 100);
  const before = await hopCalls();
  for (let i = 0; i < n; i++) await run();
  const after = await hopCalls();
  return Object.fromEntries(HOPS.map((c) => [c, (after[c]! - before[c]!) / n]));
}

async function enqueue(): Promise<unknown> {
  const n = num('BENCH_RT_ENQUEUE_JOBS', 2000);
  const [plain, withOptions] = [bareQueue('enq-bare'), bareQueue('enq-bare-options')];
  const opts = DEFAULT_RETENTION;
  const runs: Record<string, () => Promise<unknown>> = {
    enqueue: () => client.enqueue('enq'),
    'queue.add': () => plain.add('enq', {}),
    'queue.add with the default retention as job options': () => withOptions.add('enq', {}, { ...opts }),
  };
  // 2000 sequential adds a round per variant, in chunks of 100.
  return chunkedRounds(num('BENCH_RT_ROUNDS', 7), Math.max(1, Math.round(n / 100)), 100, runs, 100);
}

async function bulk(): Promise<unknown> {
  const size = num('BENCH_RT_BULK_SIZE', 1000);
  const batches = num('BENCH_RT_BULK_BATCHES', 10);
  const [bare, withOptions] = [bareQueue('bulk-bare'), bareQueue('bulk-bare-options')];
  const opts = DEFAULT_RETENTION;
  const items = Array.from({ length: size }, (_, i) => ({ task: 'add' as const, args: { a: i, b: 1 } }));
  const runs: Record<string, () => Promise<unknown>> = {
    enqueueMany: () => client.enqueueMany(items),
    addBulk: () => bare.addBulk(items.map((it) => ({ name: 'add', data: it.args }))),
    'addBulk with the default retention as job options': () => withOptions.addBulk(items.map((it) => ({ name: 'add', data: it.args, opts: { ...opts } }))),
  };
  // `batches` calls a round per variant, one call of each in turn.
  return chunkedRounds(num('BENCH_RT_ROUNDS', 7), batches, size, runs, 1);
}

const parts: Record<string, () => Promise<unknown>> = { 'round-trip': roundTrip, enqueue, bulk };
const result = await parts[part!]!();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await client.close();
await connection.quit();
process.exit(0);
