import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { DEFAULT_RETENTION } from '@/lib/queue/job-options';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * A job of a task that keeps the default retention names none (lib/queue/job-options.ts):
 * Celerity's worker applies it. Shown by the count limit at work: more jobs than it keeps
 * complete, and the completed set holds exactly the newest `count`.
 */
const stack = queueStack();
const queue = uniqueName('retention');
const noop = defineTask({ name: 'noop', description: 'nothing', queue, schema: z.object({ i: z.number() }), handler: () => null });
const registry = createRegistry([noop]);
const client = createClient(registry);
afterAll(() => client.close());

describe("the worker's default retention", () => {
  it('keeps the newest completed jobs up to the default count for jobs that name no retention', async () => {
    const keep = DEFAULT_RETENTION.removeOnComplete.count;
    const extra = 5;
    const handles: { id: string }[] = [];
    for (let i = 0; i < keep + extra; i += 2_000)
      handles.push(
        ...(await client.enqueueMany(Array.from({ length: Math.min(2_000, keep + extra - i) }, (_, k) => ({ task: 'noop' as const, args: { i: i + k } })))),
      );
    const observed = stack.observe(queue);
    expect((await observed.getJob(handles[0]!.id))?.opts).not.toHaveProperty('removeOnComplete');
    await stack.worker(registry, { queues: [queue], concurrency: 50 });
    await waitFor(
      'every job finished',
      () => observed.getJobCounts('waiting', 'active', 'failed'),
      (c) => c.waiting === 0 && c.active === 0,
      60_000,
    );
    await waitFor(
      'the last job completed',
      () => observed.getJobState(handles.at(-1)!.id),
      (s) => s === 'completed',
    );
    expect(await observed.getCompletedCount()).toBe(keep);
    expect(await observed.getFailedCount()).toBe(0);
    // The oldest went first.
    expect(await observed.getJob(handles[0]!.id)).toBeUndefined();
  });
});
