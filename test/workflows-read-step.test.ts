import { describe, expect, it } from 'vitest';
import { getRedis } from '@/lib/redis';
import { addSteps, createRun, readStep, type StepMeta } from '@/lib/workflows/run-store';
import { newRunId } from '@/lib/workflows/launch-run';
import { queueStack } from './fixtures/queue-stack';

/**
 * readStep batches the steps of one run read in the same turn of the event loop into one
 * script call (lib/workflows/run-store.ts): each caller must still get its own step's meta
 * and input, and the run's state, whatever the other calls of the batch (other runs apart).
 */
queueStack();

const meta = (task: string): StepMeta => ({ kind: 'task', task, queue: 'q', input: 'store' });

async function newRun(state: 'running' | 'cancelled', steps: Record<string, { task: string; input?: unknown }>): Promise<string> {
  const id = newRunId();
  await createRun(getRedis(), { id, workflow: 'w', queue: 'q', state, createdAt: Date.now(), startedAt: null, finishedAt: null, args: {}, plan: null });
  const metas = new Map(Object.entries(steps).map(([k, v]) => [k, meta(v.task)]));
  const inputs = new Map(Object.entries(steps).flatMap(([k, v]) => (v.input === undefined ? [] : [[k, v.input] as const])));
  await addSteps(getRedis(), id, metas, inputs);
  return id;
}

describe('readStep', () => {
  it('steps of two runs read at once: each gets its own meta, input and run state', async () => {
    const a = await newRun('running', { '0.0': { task: 'a0', input: { x: 1 } }, '0.1': { task: 'a1' }, '0.2': { task: 'a2', input: [2] } });
    const b = await newRun('cancelled', { '0.0': { task: 'b0', input: 'b' } });
    const reads = await Promise.all([
      readStep(getRedis(), a, '0.2'),
      readStep(getRedis(), b, '0.0'),
      readStep(getRedis(), a, '0.0'),
      readStep(getRedis(), a, '9.9'),
      readStep(getRedis(), a, '0.1'),
    ]);
    expect(reads).toEqual([
      { state: 'running', meta: meta('a2'), input: [2] },
      { state: 'cancelled', meta: meta('b0'), input: 'b' },
      { state: 'running', meta: meta('a0'), input: { x: 1 } },
      { state: 'running', meta: null },
      { state: 'running', meta: meta('a1') },
    ]);
    // A later read is a batch of its own, and sees the run as it is then.
    expect(await readStep(getRedis(), a, '0.1')).toEqual({ state: 'running', meta: meta('a1') });
    expect(await readStep(getRedis(), newRunId(), '0')).toEqual({ state: null, meta: null });
  });
});
