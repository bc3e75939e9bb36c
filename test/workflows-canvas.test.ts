import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { chain, chord, group, map, mapEach, step } from '@/lib/workflows/canvas';
import { runCanvas } from '@/lib/workflows/start-workflow';
import { defineWorkflow } from '@/lib/workflows/define-workflow';
import { START_JOB } from '@/lib/workflows/flow-build';
import { getQueue } from '@/lib/queue/queue-registry';
import { readRun } from '@/lib/workflows/run-store';
import { getRedis } from '@/lib/redis';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName, waitFor } from './helpers';

/**
 * Each canvas primitive on real Redis with an in-process worker: what every step
 * gets as input (the previous result, apart from its arguments) and what the run
 * yields (the last step's result; a group's in order).
 */
const stack = queueStack();
const queue = uniqueName('wf');

const num = defineTask({ name: 'num', description: 'n', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n });
const addTo = defineTask({
  name: 'add-to',
  description: 'input + n',
  queue,
  schema: z.object({ n: z.number() }),
  input: z.number(),
  handler: ({ n }, ctx) => ctx.input + n,
});
/** Returns what it got, so a test sees the input and the arguments apart. */
const echo = defineTask({
  name: 'echo',
  description: 'input and args',
  queue,
  schema: z.object({ tag: z.string() }),
  handler: (args, ctx) => ({ args, input: ctx.input }),
});
const sum = defineTask({
  name: 'sum',
  description: 'sum',
  queue,
  schema: z.object({}),
  input: z.array(z.number()),
  handler: (_, ctx) => ctx.input.reduce((a, b) => a + b, 0),
});
const range = defineTask({ name: 'range', description: '0..n-1', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => [...Array(n).keys()] });
const ranged = defineWorkflow({
  name: 'sum-of-range',
  description: 'range, then sum',
  queue,
  schema: z.object({ n: z.number() }),
  build: ({ n }) => chain(step(range, { n }), step(sum)),
});
const registry = createRegistry([num, addTo, echo, sum, range], { workflows: [ranged] });

// Compile-time checks (tsc runs over test/): a step whose input does not match the previous result does not compile.
export function typeChecks() {
  chain(step(num, { n: 1 }), step(addTo, { n: 2 }));
  // @ts-expect-error add-to takes a number, range yields a list
  chain(step(range, { n: 3 }), step(addTo, { n: 2 }));
  // @ts-expect-error sum takes a list of numbers, num yields one number
  chain(step(num, { n: 1 }), step(sum));
  chord(group(step(num, { n: 1 }), step(num, { n: 2 })), step(sum));
  // @ts-expect-error the arguments are typed by the task's schema
  step(num, { n: 'one' });
  chain(step(range, { n: 3 }), mapEach(addTo, { n: 1 }), step(sum));
  // A group's input is what every member accepts; a run's first step gets none.
  chain(step(num, { n: 1 }), group(step(addTo, { n: 1 }), step(echo, { tag: 'any' })));
  // @ts-expect-error a run's first step gets no input: add-to needs a number
  void runCanvas(registry, step(addTo, { n: 1 }));
}

const runStateOf = async (id: string) => (await readRun(getRedis(), id))!;

describe('workflow canvas on real Redis', () => {
  it('chain: each step gets the previous result as its input, apart from its own arguments', async () => {
    await stack.worker(registry);
    const run = await runCanvas(registry, chain(step(num, { n: 5 }), step(addTo, { n: 10 }), step(echo, { tag: 'last' })), { queue });
    expect(await run.waitForResult(10_000)).toEqual({ args: { tag: 'last' }, input: 15 });
    const rec = await runStateOf(run.id);
    expect(rec.state).toBe('completed');
    expect(rec.startedAt).toBeGreaterThan(0);
    expect(await getRedis().scard(`${(await import('@/lib/workflows/run-store')).runKeys.done(run.id)}`)).toBe(3);
  });

  it('group: members run in parallel on the same input, results in order', async () => {
    await stack.worker(registry);
    const run = await runCanvas(registry, chain(step(num, { n: 1 }), group(step(addTo, { n: 1 }), step(addTo, { n: 2 }), step(echo, { tag: 'g' }))), { queue });
    expect(await run.waitForResult(10_000)).toEqual([2, 3, { args: { tag: 'g' }, input: 1 }]);
  });

  it('chord: the callback gets the group results; a chord nested in a chain', async () => {
    await stack.worker(registry);
    const sig = chain(step(num, { n: 2 }), chord(group(step(addTo, { n: 1 }), step(addTo, { n: 10 })), step(sum)), step(addTo, { n: 100 }));
    const run = await runCanvas(registry, sig, { queue });
    expect(await run.waitForResult(10_000)).toBe(3 + 12 + 100);
  });

  it('map over a list known at call time, and mapEach over the previous result (dynamic fan-out)', async () => {
    await stack.worker(registry);
    const known = await runCanvas(registry, chord(map(num, [{ n: 3 }, { n: 4 }, { n: 5 }]), step(sum)), { queue });
    expect(await known.waitForResult(10_000)).toBe(12);
    const dynamic = await runCanvas(registry, chain(step(range, { n: 4 }), mapEach(addTo, { n: 10 })), { queue });
    expect(await dynamic.waitForResult(10_000)).toEqual([10, 11, 12, 13]);
    // The map's members were added as it ran: 1 range + 4 members counted.
    const rec = await getRedis().scard(`${(await import('@/lib/workflows/run-store')).runKeys.tasks(dynamic.id)}`);
    expect(rec).toBe(5);
  });

  it('a BullMQ job scheduler that targets a workflow starts one run per slot', async () => {
    await stack.worker(registry);
    const { runKeys: keys } = await import('@/lib/workflows/run-store');
    await getQueue(queue).upsertJobScheduler('every-200ms', { every: 200, limit: 2 }, { name: START_JOB, data: { workflow: 'sum-of-range', args: { n: 4 } } });
    const done = await waitFor(
      'two completed runs',
      () => getRedis().zrange(keys.index({ workflow: 'sum-of-range', state: 'completed' }), 0, -1),
      (ids) => ids.length === 2,
    );
    for (const id of done) expect((await runStateOf(id)).result).toBe(6);
    await getQueue(queue).removeJobScheduler('every-200ms');
  });
});
