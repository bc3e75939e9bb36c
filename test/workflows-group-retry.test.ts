import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { group, step } from '@/lib/workflows/canvas';
import { runCanvas } from '@/lib/workflows/start-workflow';
import { readRun, readStepMetas } from '@/lib/workflows/run-store';
import { retryStep } from '@/lib/workflows/run-actions';
import { stepJobId } from '@/lib/workflows/flow-build';
import { getRedis } from '@/lib/redis';
import { getQueue } from '@/lib/queue/queue-registry';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName, waitFor } from './helpers';

/**
 * A group whose two members both failed: retrying one of them must not resume the run
 * (the other is still failed, so the group can never finish); the run stays failed,
 * naming the member still failed, and retrying that one resumes it to completion.
 */
const stack = queueStack();
const queue = uniqueName('wfg');

/** Keys whose step fails until the test mends it. */
const broken = new Set<string>();
const gate = defineTask({
  name: 'gate',
  description: 'fails while its key is broken',
  queue,
  schema: z.object({ key: z.string() }),
  handler: ({ key }) => {
    if (broken.has(key)) throw new Error(`${key} is broken`);
    return key;
  },
});
const registry = createRegistry([gate]);

const jobState = (step: string, runId: string) => getQueue(queue).getJobState(stepJobId(runId, step));

describe('a group with two failed members', () => {
  it('stays failed while one is still failed; retrying the last resumes it', async () => {
    await stack.worker(registry);
    broken.add('a').add('b');
    const h = await runCanvas(registry, group(step(gate, { key: 'a' }), step(gate, { key: 'b' })), { queue });
    const [a, b] = [...(await readStepMetas(getRedis(), h.id))]
      .filter(([, m]) => m.kind === 'task')
      .map(([id]) => id)
      .sort();
    await waitFor(
      'both members failed',
      async () => [await jobState(a!, h.id), await jobState(b!, h.id)],
      (s) => s.every((x) => x === 'failed'),
    );
    const failed = await readRun(getRedis(), h.id);
    expect(failed?.state).toBe('failed');
    // Retry first the member the run's error names (the one a retry used to resume the run on).
    const first = failed!.error!.step!;
    const second = first === a ? b! : a!;
    const keyOf = (s: string) => (s === a ? 'a' : 'b');

    broken.delete(keyOf(first));
    await retryStep(h.id, first);
    await waitFor(
      'the first member completed',
      () => jobState(first, h.id),
      (s) => s === 'completed',
    );
    const after = await readRun(getRedis(), h.id);
    expect(after?.state).toBe('failed');
    // The error now names the member that is still failed, the one to retry.
    expect(after?.error?.step).toBe(second);

    broken.delete(keyOf(second));
    await retryStep(h.id, second);
    expect(await h.waitForResult(10_000)).toEqual(['a', 'b']);
  });
});
