import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { chain, group, step } from '@/lib/workflows/canvas';
import { runCanvas, waitForRun } from '@/lib/workflows/start-workflow';
import { stepJobId } from '@/lib/workflows/flow-build';
import { closeResultListeners } from '@/lib/client/result-listeners';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName } from './helpers';

/**
 * A run's end is pushed: its last step's job completing (through its queue's result
 * listener) wakes waitForResult, which otherwise reads the run's state every 50 ms.
 * Here the reads are an hour apart, so only the push can end the wait within the test's time.
 */
const stack = queueStack();
const queue = uniqueName('wf-wait');
const num = defineTask({ name: 'num', description: 'n', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n });
const registry = createRegistry([num]);
const HOUR = 3_600_000;

afterAll(() => closeResultListeners());

describe('waiting for a workflow run', () => {
  it("wakes when the run's last step completes (a group's fan-out, a chain's last step), not at the next read", async () => {
    await stack.worker(registry);
    const grouped = await runCanvas(registry, group(step(num, { n: 1 }), step(num, { n: 2 })), { queue });
    // The group is the run's root: its fan-out job (step 0) is the last to complete.
    const last = { queue, jobId: stepJobId(grouped.id, '0') };
    expect(await waitForRun(grouped.id, HOUR, { last, pollMs: HOUR })).toEqual([1, 2]);
    const chained = await runCanvas(registry, chain(step(num, { n: 3 }), step(num, { n: 4 })), { queue });
    expect(await waitForRun(chained.id, HOUR, { last: { queue, jobId: stepJobId(chained.id, '0.1') }, pollMs: HOUR })).toBe(4);
  }, 15_000);
});
