import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { chord, group, map, step, type Settled } from '@/lib/workflows/canvas';
import { runCanvas } from '@/lib/workflows/start-workflow';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName } from './helpers';

/**
 * A fan-out adds its members in slices of 200 (lib/workflows/step-hooks.ts), so the
 * first members run — and may end — before the last are added: every member still
 * counts once, in order, and a tolerated failure in the first slice reaches the callback.
 */
const stack = queueStack();
const queue = uniqueName('wf-spawn');
const num = defineTask({ name: 'num', description: 'n', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n });
const boom = defineTask({
  name: 'boom',
  description: 'fails',
  queue,
  schema: z.object({}),
  handler: () => {
    throw new Error('boom');
  },
});
const collect = defineTask({
  name: 'collect',
  description: 'the settled list',
  queue,
  schema: z.object({}),
  handler: (_, ctx) => ctx.input as Settled<number>[],
});
const registry = createRegistry([num, boom, collect]);
const N = 450; // three slices, the last one partial

describe('a fan-out larger than one slice', () => {
  it('a group and a map of 450: every result, in order', async () => {
    await stack.worker(registry, { concurrency: 50 });
    const g = await runCanvas(registry, group(...Array.from({ length: N }, (_, n) => step(num, { n }))), { queue });
    expect(await g.waitForResult(15_000)).toEqual(Array.from({ length: N }, (_, n) => n));
    const m = await runCanvas(
      registry,
      map(
        num,
        Array.from({ length: N }, (_, n) => ({ n: n * 2 })),
      ),
      { queue },
    );
    expect(await m.waitForResult(15_000)).toEqual(Array.from({ length: N }, (_, n) => n * 2));
  }, 30_000);

  it('continueOnFailure: a member of the first slice failing before the last slice is added is in the outcomes', async () => {
    await stack.worker(registry, { concurrency: 50 });
    const members = [step(boom), ...Array.from({ length: N - 1 }, (_, n) => step(num, { n }))];
    const h = await runCanvas(registry, chord(group(...members), step(collect), { continueOnFailure: true }), { queue });
    const out = (await h.waitForResult(15_000)) as Settled<number>[];
    expect(out).toHaveLength(N);
    expect(out[0]).toEqual({ ok: false, error: 'boom', step: '0.0.0' });
    expect(out.slice(1)).toEqual(Array.from({ length: N - 1 }, (_, n) => ({ ok: true, value: n })));
  }, 30_000);
});
