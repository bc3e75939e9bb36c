import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { chain, chord, group, step, type Settled } from '@/lib/workflows/canvas';
import { defineWorkflow, type WorkflowFailure } from '@/lib/workflows/define-workflow';
import { runCanvas, startWorkflow } from '@/lib/workflows/start-workflow';
import { readRun } from '@/lib/workflows/run-store';
import { cancelRun, retryStep } from '@/lib/workflows/run-actions';
import { stepJobId } from '@/lib/workflows/flow-build';
import { getRedis } from '@/lib/redis';
import { getQueue } from '@/lib/queue/queue-registry';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName, waitFor } from './helpers';

/**
 * The failure rules of workflows (README "Workflows"): a step failed after its retries
 * stops the chain and fails the run; a failed group member fails the chord and its
 * callback does not run, unless it continues on failure; onError runs once with the
 * failure; retrying the failed step resumes the run (and the step is never
 * dead-lettered); cancel stops the running step and runs nothing more.
 */
const stack = queueStack();
const queue = uniqueName('wff');

/** What ran, in order: `<task>:<tag>`. */
const ran: string[] = [];
const failures: WorkflowFailure[] = [];
let mendedAt = 0; // flaky fails until the test mends it

const num = defineTask({ name: 'num', description: '', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => (ran.push(`num:${n}`), n) });
const boom = defineTask({
  name: 'boom',
  description: 'always fails',
  queue,
  schema: z.object({ tag: z.string() }),
  defaults: { attempts: 2 },
  handler: ({ tag }) => {
    ran.push(`boom:${tag}`);
    throw new Error(`boom ${tag}`);
  },
});
const flaky = defineTask({
  name: 'flaky',
  description: 'fails until mended',
  queue,
  schema: z.object({}),
  deadLetter: true,
  handler: () => {
    ran.push('flaky');
    if (!mendedAt) throw new Error('not yet');
    return 7;
  },
});
const collect = defineTask({
  name: 'collect',
  description: 'returns the settled list',
  queue,
  schema: z.object({}),
  handler: (_, ctx) => (ran.push('collect'), ctx.input as Settled<number>[]),
});
const notify = defineTask({
  name: 'notify',
  description: 'onError',
  queue,
  schema: z.object({ channel: z.string() }),
  handler: (_, ctx) => void failures.push(ctx.input as WorkflowFailure),
});
const block = defineTask({
  name: 'block',
  description: 'runs until cancelled',
  queue,
  schema: z.object({}),
  handler: (_, ctx) =>
    new Promise((_, reject) => {
      ran.push('block');
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
    }),
});
const failing = defineWorkflow({
  name: 'failing',
  description: 'fails at its second step',
  queue,
  schema: z.object({}),
  build: () => chain(step(num, { n: 1 }), step(boom, { tag: 'wf' }), step(num, { n: 2 })),
  onError: step(notify, { channel: 'ops' }),
});
const registry = createRegistry([num, boom, flaky, collect, notify, block], { workflows: [failing] });

const run = async (id: string) => (await readRun(getRedis(), id))!;
const settledRun = (id: string) =>
  waitFor(
    `run ${id} to end`,
    () => run(id),
    (r) => r.state !== 'running' && r.state !== 'pending',
    10_000,
  );

describe('workflow failure rules', () => {
  it('a step failed after its retries stops the chain and fails the run; onError runs once with the failure', async () => {
    ran.length = 0;
    await stack.worker(registry);
    const h = await startWorkflow(registry, failing, {});
    await expect(h.waitForResult(10_000)).rejects.toThrow(/Step 0\.1 failed: boom wf/);
    const r = await run(h.id);
    expect(r.state).toBe('failed');
    expect(r.error).toEqual({ step: '0.1', message: 'boom wf' });
    await waitFor(
      'onError',
      () => failures.length,
      (n) => n === 1,
    );
    expect(failures[0]).toEqual({ runId: h.id, workflow: 'failing', step: '0.1', task: 'boom', message: 'boom wf' });
    expect(ran).toEqual(['num:1', 'boom:wf', 'boom:wf']); // two attempts, and the next step never ran
    const next = await getQueue(queue).getJob(stepJobId(h.id, '0.2'));
    expect(await next!.getState()).toBe('waiting-children');
  });

  it('a failed group member fails the chord: the callback does not run', async () => {
    ran.length = 0;
    await stack.worker(registry);
    const h = await runCanvas(registry, chord(group(step(num, { n: 1 }), step(boom, { tag: 'member' })), step(collect)), { queue });
    await expect(h.waitForResult(10_000)).rejects.toThrow(/boom member/);
    expect((await run(h.id)).error?.step).toBe('0.0.1');
    expect(ran).not.toContain('collect');
  });

  it('continueOnFailure: the callback runs once every member finished, with each outcome', async () => {
    ran.length = 0;
    await stack.worker(registry);
    const sig = chord(group(step(num, { n: 1 }), step(boom, { tag: 'tolerated' })), step(collect), { continueOnFailure: true });
    const h = await runCanvas(registry, sig, { queue });
    expect(await h.waitForResult(10_000)).toEqual([
      { ok: true, value: 1 },
      { ok: false, error: 'boom tolerated', step: '0.0.1' },
    ]);
  });

  it('retrying the failed step resumes the run from it; the step is not dead-lettered', async () => {
    ran.length = 0;
    mendedAt = 0;
    await stack.worker(registry);
    const h = await runCanvas(registry, chain(step(num, { n: 1 }), step(flaky), step(num, { n: 3 })), { queue });
    expect((await settledRun(h.id)).state).toBe('failed');
    expect(await getQueue(`flaky.dlq`).count()).toBe(0);
    mendedAt = Date.now();
    await retryStep(h.id, '0.1');
    expect(await h.waitForResult(10_000)).toBe(3);
    expect(ran).toEqual(['num:1', 'flaky', 'flaky', 'num:3']); // the first step did not run again
    expect((await run(h.id)).error).toBeUndefined();
  });

  it('cancel: the running step is cancelled and nothing more runs', async () => {
    ran.length = 0;
    await stack.worker(registry);
    const h = await runCanvas(registry, chain(step(block), step(num, { n: 9 })), { queue });
    await waitFor('block to run', () => ran.includes('block'), Boolean);
    const out = await cancelRun(h.id);
    expect(out.cancelled).toBe(1);
    const blockJob = await getQueue(queue).getJob(stepJobId(h.id, '0.0'));
    await waitFor(
      'the running step to end',
      () => blockJob!.getState(),
      (s) => s === 'failed',
    );
    expect((await run(h.id)).state).toBe('cancelled');
    expect(await getQueue(queue).getJob(stepJobId(h.id, '0.1'))).toBeUndefined(); // removed, never run
    expect(ran).toEqual(['block']);
    await expect(cancelRun(h.id)).rejects.toThrow(/cancelled: it cannot be cancelled/);
  });
});
