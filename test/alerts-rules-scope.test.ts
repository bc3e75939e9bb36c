import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createLogger } from '@/lib/logger';
import { writeDefinition, writeState } from '@/lib/scheduler/schedule-store';
import { validateSchedule } from '@/lib/scheduler/schedule-model';
import { add, fail } from '@/worker/tasks/demo-tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { alertHarness } from './fixtures/alert-harness';

/**
 * Rules scoped to a task (its queue read from the catalogue, other tasks'
 * jobs not counted), and a schedule's missed slot: each fires on real figures.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-rules-scope', 'error');
const harness = (rule: Parameters<typeof alertHarness>[1]) => alertHarness(stack, rule, { logger });

const waitCounts = (q: Queue, what: 'completed' | 'failed', n: number) =>
  waitFor(
    `${n} ${what}`,
    () => q.getJobCounts(what),
    (c) => (c[what] ?? 0) >= n,
  );

describe('alert rules: scopes', () => {
  it("a task's failure rate and failed jobs: the task's own jobs only (its queue from the catalogue)", async () => {
    // A task name no other test of this file publishes (the catalogue holds one queue per task name).
    const charge = { ...fail, name: uniqueName('charge') };
    const { queue } = await stack.workerOnOwnQueue([add, charge], { logger }, 'task');
    const rate = await harness({ kind: 'failure_rate', name: uniqueName('task-rate'), task: charge.name, windowMs: 60_000, percent: 50, minJobs: 2 });
    const failed = await harness({ kind: 'job_failed', name: uniqueName('task-failed'), task: charge.name });
    // Other jobs of the queue do not count: many completed `add` jobs leave the task's rate at 100 %.
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } })));
    await waitCounts(queue, 'completed', 10);
    expect(await rate.tick()).toEqual([]);
    expect(await failed.tick()).toEqual([]);
    await queue.addBulk([1, 2].map(() => ({ name: charge.name, data: { message: 'declined' } })));
    await waitCounts(queue, 'failed', 2);
    expect(await rate.until('the rate to fire', 1)).toEqual(['firing']);
    expect(rate.receiver.accepted()[0]!.body.details).toMatchObject({ task: charge.name, completed: 0, failed: 2 });
    expect(rate.receiver.accepted()[0]!.body.link).toBe(`http://console.test/base/tasks/${charge.name}`);
    expect(await failed.until('the failure to fire', 1)).toEqual(['firing']);
    expect(failed.receiver.accepted()[0]!.body.details).toMatchObject({ task: charge.name, error: 'declined', count: 2 });
  });

  it('a schedule that missed a slot (no worker ran it)', async () => {
    const name = uniqueName('every-second');
    const enabledAt = Date.now() - 8_000;
    await writeDefinition(
      redis,
      validateSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' }, source: 'ui' }, { now: new Date(enabledAt) }),
    );
    const h = await harness({ kind: 'schedule', name: uniqueName('missed'), schedule: name, on: 'missed', windowMs: 60_000 });
    // Enabled with nothing run: no slot is missed yet as far as the rule knows (no enabledAt).
    expect(await h.tick()).toEqual([]);
    await writeState(redis, name, { enabledAt });
    expect(await h.tick()).toEqual(['firing']);
    const [got] = h.receiver.accepted();
    expect(got!.body.title).toMatch(/missed \d+ slots? in the last 1m/);
    expect((got!.body.details.missed as number[]).length).toBeGreaterThanOrEqual(1);
  });
});
