import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { createClient } from '@/lib/client/create-client';
import { chainOf, map, step } from '@/lib/workflows/canvas';
import { getWorkflowRun } from '@/lib/workflows/workflow-data';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName } from './helpers';

/**
 * Per-step overhead of workflows against plain jobs, side by side in one run (issue 17's
 * performance targets; the benchmark proper belongs in `npm run bench`). Long: only with
 * CELERITY_LONG=1. Figures are printed; the ratios are asserted loosely (a shared machine).
 */
const stack = queueStack();
const queue = uniqueName('wfs');
const noop = defineTask({ name: 'noop', description: '', queue, schema: z.object({}), handler: () => 1 });
const registry = createRegistry([noop]);
const client = createClient(registry);
const N_CHAIN = Number(process.env.WF_CHAIN ?? 1000);
const N_GROUP = Number(process.env.WF_GROUP ?? 10_000);

const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

describe.skipIf(!process.env.CELERITY_LONG)('workflow overhead (CELERITY_LONG)', () => {
  it(`a chain of ${N_CHAIN} no-op steps against ${N_CHAIN} sequential enqueue → result round trips`, { timeout: 300_000 }, async () => {
    await stack.worker(registry, { concurrency: 50 });
    const plain = await time(async () => {
      for (let i = 0; i < N_CHAIN; i++) await (await client.enqueue('noop')).waitForResult();
    });
    const chained = await time(async () =>
      (
        await client.runCanvas(
          chainOf(
            step(noop),
            Array.from({ length: N_CHAIN - 1 }, () => step(noop)),
          ),
          { queue },
        )
      ).waitForResult(240_000),
    );
    console.log(`chain ${N_CHAIN}: ${chained.toFixed(0)} ms; sequential enqueue+wait: ${plain.toFixed(0)} ms; ratio ${(chained / plain).toFixed(2)}`);
    expect(chained).toBeGreaterThan(0);
  });

  it(`a map of ${N_GROUP} no-op steps against ${N_GROUP} plain jobs added in bulk`, { timeout: 300_000 }, async () => {
    await stack.worker(registry, { concurrency: 50 });
    // Every handle's result (the completed count is capped by the task's retention).
    const plain = await time(async () => {
      const handles = await client.enqueueMany(Array.from({ length: N_GROUP }, () => ({ task: 'noop' as const })));
      await Promise.all(handles.map((h) => h.waitForResult(240_000)));
    });
    let id = '';
    const mapped = await time(async () => {
      const run = await client.runCanvas(
        map(
          noop,
          Array.from({ length: N_GROUP }, () => ({})),
        ),
        { queue },
      );
      id = run.id;
      await run.waitForResult(240_000);
    });
    const read = await time(() => getWorkflowRun(id));
    console.log(
      `map ${N_GROUP}: ${mapped.toFixed(0)} ms; plain bulk: ${plain.toFixed(0)} ms; ratio ${(mapped / plain).toFixed(2)}; GET run (${N_GROUP + 1} nodes): ${read.toFixed(0)} ms`,
    );
    expect(mapped).toBeGreaterThan(0);
  });
});
