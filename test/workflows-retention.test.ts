import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { step } from '@/lib/workflows/canvas';
import { runCanvas } from '@/lib/workflows/start-workflow';
import { readRun, runKeys } from '@/lib/workflows/run-store';
import { pruneFinishedRuns } from '@/lib/workflows/run-retention';
import { retryStep } from '@/lib/workflows/run-actions';
import { getRedis } from '@/lib/redis';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName, waitFor } from './helpers';

/**
 * Retention of finished workflow runs (lib/workflows/run-retention.ts): a run is indexed by
 * its end time as it finishes, leaves that index when it resumes, and pruning deletes
 * every key of the runs past the age or over the count, and their places in the lists.
 */
const stack = queueStack();
const queue = uniqueName('wfr');
let mended = false;
const one = defineTask({ name: 'one', description: '', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n });
const flaky = defineTask({
  name: 'flaky',
  description: 'fails until mended',
  queue,
  schema: z.object({}),
  handler: () => {
    if (!mended) throw new Error('not yet');
    return 1;
  },
});
const registry = createRegistry([one, flaky]);
const redis = () => getRedis();
const DAY = 86_400_000;

/** Every key and list entry a run has. */
async function traces(id: string, workflow: string): Promise<number> {
  const keys = [runKeys.run(id), runKeys.steps(id), runKeys.tasks(id), runKeys.done(id)];
  const indexes = [runKeys.index(), runKeys.index({ workflow }), runKeys.index({ state: 'completed' }), runKeys.index({ workflow, state: 'completed' })];
  const scores = await Promise.all([...indexes, runKeys.finished()].map((k) => redis().zscore(k, id)));
  return (await redis().exists(...keys)) + scores.filter((s) => s !== null).length;
}

describe('workflow run retention', () => {
  // First in the file: the back-fill runs once, on the first prune.
  it('runs that finished before the index existed are back-filled from the state indexes, then pruned', async () => {
    const legacy = 'abcdabcdabcdabcd';
    const createdAt = Date.now() - 30 * DAY;
    await redis().hset(runKeys.run(legacy), { id: legacy, workflow: 'legacy', state: 'completed', queue, createdAt: String(createdAt) });
    for (const key of [
      runKeys.index(),
      runKeys.index({ workflow: 'legacy' }),
      runKeys.index({ state: 'completed' }),
      runKeys.index({ workflow: 'legacy', state: 'completed' }),
    ])
      await redis().zadd(key, createdAt, legacy);
    expect(await pruneFinishedRuns(redis(), { days: 7, max: 1000 })).toEqual([legacy]);
    expect(await traces(legacy, 'legacy')).toBe(0);
  });

  it('keeps at most `max` finished runs and none older than `days`, deleting every trace of the others', async () => {
    await stack.worker(registry);
    const name = uniqueName('kept');
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const h = await runCanvas(registry, step(one, { n }), { queue, name });
      await h.waitForResult(10_000);
      ids.push(h.id);
    }
    const finished = await redis().zrange(runKeys.finished(), 0, -1);
    expect(ids.every((id) => finished.includes(id))).toBe(true);
    expect(await traces(ids[0]!, name)).toBe(9);

    // Over the count: the two that finished first go.
    const pruned = await pruneFinishedRuns(redis(), { days: 7, max: finished.length - 2 });
    expect(pruned).toEqual(finished.slice(0, 2));
    for (const id of pruned) expect(await traces(id, name)).toBe(0);
    expect(await readRun(redis(), ids[4]!)).toMatchObject({ state: 'completed', result: 4 });

    // Past the age (two days later, a day kept): all of them.
    const aged = await pruneFinishedRuns(redis(), { days: 1, max: 1000 }, Date.now() + 2 * DAY);
    expect(aged).toEqual(finished.slice(2));
    for (const id of ids) expect(await traces(id, name)).toBe(0);
  });

  it('a failed run leaves the finished runs when a retry resumes it', async () => {
    await stack.worker(registry);
    mended = false;
    const h = await runCanvas(registry, step(flaky, {}), { queue });
    await expect(h.waitForResult(10_000)).rejects.toThrow(/not yet/);
    expect(await redis().zscore(runKeys.finished(), h.id)).not.toBeNull();
    mended = true;
    await retryStep(h.id, (await readRun(redis(), h.id))!.error!.step!);
    expect(await redis().zscore(runKeys.finished(), h.id)).toBeNull();
    expect(await h.waitForResult(10_000)).toBe(1);
    expect(await redis().zscore(runKeys.finished(), h.id)).not.toBeNull();
  });

  it('runs are pruned as runs finish (default: 7 days)', async () => {
    await stack.worker(registry);
    // A run that finished 30 days ago (its record and its place in the finished index).
    const old = 'feedfeedfeedfeed';
    await redis().hset(runKeys.run(old), { id: old, workflow: 'ancient', state: 'completed', queue, createdAt: '1' });
    await redis().zadd(runKeys.finished(), Date.now() - 30 * DAY, old);
    const h = await runCanvas(registry, step(one, { n: 1 }), { queue });
    await h.waitForResult(10_000);
    await waitFor(
      'the old run pruned',
      () => redis().exists(runKeys.run(old)),
      (n) => n === 0,
    );
    expect(await redis().zscore(runKeys.finished(), old)).toBeNull();
    expect(await readRun(redis(), h.id)).toMatchObject({ state: 'completed' });
  });
});
