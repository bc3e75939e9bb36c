import { chainOf, group, map, step } from '../lib/workflows/canvas';
import { createClient } from '../lib/client/create-client';
import { createRegistry } from '../lib/registry/task-registry';
import { nap, noop, QUEUE } from './workflows-tasks';

/**
 * The client process of the workflows bench (bench/workflows.ts), so lib/env
 * reads this run's Redis. Args: the part and its numbers.
 * - `chain <n> <rounds>`: n sequential enqueue(noop) → result round trips against a chain of n noop steps;
 * - `group <n> <rounds>`: n noop jobs added in bulk (enqueueMany) and their results, against a group of n noop steps;
 * - `page <shape> <n> <ms>`: start a run of n `nap` steps (`chain` or `group`) for the run page, and return its id.
 * Variants alternate in each round, the order rotating. Times are the client's: from the call to the last result
 * (a job's through the queue's result listener; a run's through the same listener, on its last step's job, with a read of its record every 50 ms for a failure, as waitForResult does).
 * Prints one line `RESULT <json>`.
 */
const [part, a, b] = process.argv.slice(2) as [string, string, string];
const client = createClient(createRegistry([noop, nap]));
const TIMEOUT = 600_000;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const variants: Record<string, (n: number) => Promise<unknown>> = {
  sequential: async (n) => {
    for (let i = 0; i < n; i++) await (await client.enqueue('noop')).waitForResult(TIMEOUT);
  },
  chain: async (n) =>
    (
      await client.runCanvas(
        chainOf(
          step(noop),
          Array.from({ length: n - 1 }, () => step(noop)),
        ),
        { queue: QUEUE, name: 'bench-chain' },
      )
    ).waitForResult(TIMEOUT),
  bulk: async (n) => {
    const handles = await client.enqueueMany(Array.from({ length: n }, () => ({ task: 'noop' as const })));
    await Promise.all(handles.map((h) => h.waitForResult(TIMEOUT)));
  },
  group: async (n) =>
    (await client.runCanvas(group(...Array.from({ length: n }, () => step(noop))), { queue: QUEUE, name: 'bench-group' })).waitForResult(TIMEOUT),
};

async function interleave(pair: [string, string], n: number, rounds: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = { [pair[0]]: [], [pair[1]]: [] };
  await variants[pair[0]]!(Math.min(n, 50)); // warm-up: connections, scripts, listeners
  await variants[pair[1]]!(Math.min(n, 50));
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 ? [pair[1], pair[0]] : pair) {
      out[v]!.push(await time(() => variants[v]!(n)));
      console.error(`[bench] workflows ${v} ${n} round ${r + 1}/${rounds}: ${out[v]!.at(-1)!.toFixed(0)} ms`);
    }
  }
  return out;
}

async function startForPage(shape: string, n: number, ms: number): Promise<string> {
  const opts = { queue: QUEUE, name: `bench-page-${shape}` };
  const s = () => step(nap, { ms });
  const run =
    shape === 'chain'
      ? await client.runCanvas(
          chainOf(
            s(),
            Array.from({ length: n - 1 }, () => s()),
          ),
          opts,
        )
      : await client.runCanvas(
          map(
            nap,
            Array.from({ length: n }, () => ({ ms })),
          ),
          opts,
        );
  return run.id;
}

let result: unknown;
if (part === 'chain') result = await interleave(['sequential', 'chain'], Number(a), Number(b));
else if (part === 'group') result = await interleave(['bulk', 'group'], Number(a), Number(b));
else if (part === 'page') result = await startForPage(a, Number(b), Number(process.argv[5]));
else throw new Error(`unknown part ${part}`);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await client.close();
process.exit(0);
