import { describe, expect, it } from 'vitest';
import type { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { bullKey, celerityKeys } from '../keys';
import { ATTEMPT_FIELD_PREFIX, parseAttempts } from '../queue/attempt-log';
import { createLogger } from '../logger';
import { defineTask } from '../registry/define-task';
import type { AnyTask } from '../registry/task-registry';
import { readCatalogue } from '../registry/catalogue';
import { readHeartbeats } from './heartbeat';
import { add, fail, flaky, report, sleep } from '../../worker/tasks/demo-tasks';
import { streamEvents, uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';

const stack = queueStack();
const { redis } = stack;
const logger = createLogger('worker', 'error');

/** A worker for `tasks` on a queue of their own, and a Queue on it; both closed when the test ends. */
const setup = (tasks: AnyTask[]) => stack.workerOnOwnQueue(tasks, { logger, concurrency: 4 });

async function finished(q: Queue, job: Job): Promise<{ state: string; job: Job }> {
  const state = await waitFor(
    `job ${job.id} to finish`,
    () => q.getJobState(job.id!),
    (s) => s === 'completed' || s === 'failed',
  );
  return { state, job: (await q.getJob(job.id!))! };
}

/** The events of one job in its queue's stream, in order, with their fields. */
async function jobEvents(name: string, id: string): Promise<Record<string, string>[]> {
  return (await streamEvents(redis, name)).filter((f) => f.jobId === id);
}

function cancel(name: string, jobId: string, reason?: string): Promise<number> {
  return redis.publish(celerityKeys().control, JSON.stringify({ type: 'cancel', queue: name, jobId, ...(reason ? { reason } : {}) }));
}

describe('startWorker: execution', () => {
  it('publishes its tasks and a heartbeat, and clears the heartbeat on stop', async () => {
    const { worker, name } = await setup([add]);
    const entry = (await readCatalogue(redis)).find((e) => e.name === 'add');
    expect(entry?.queue).toBe(name);
    expect(entry?.argsSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });
    const { alive } = await readHeartbeats(redis);
    expect(alive.map((h) => h.id)).toContain(worker.id);
    expect(alive.find((h) => h.id === worker.id)?.queues).toEqual([name]);

    await worker.stop();
    expect((await readHeartbeats(redis)).alive.map((h) => h.id)).not.toContain(worker.id);
    expect(await redis.exists(celerityKeys().worker(worker.id))).toBe(0);
  });

  it('runs a job and stores its result', async () => {
    const { queue } = await setup([add]);
    const { state, job } = await finished(queue, await queue.add('add', { a: 2, b: 3 }));
    expect(state).toBe('completed');
    expect(job.returnvalue).toBe(5);
  });

  it("records the completing attempt through BullMQ's completion, with no write of its own per job", async () => {
    const { queue, worker } = await setup([add]);
    const { state, job } = await finished(queue, await queue.add('add', { a: 2, b: 3 }));
    expect(state).toBe('completed');
    const fields = await redis.hgetall(bullKey(queue.name, job.id!));
    // The record is in the same Lua calls that took and completed the job: it cannot be lost apart from the completion.
    expect(Object.keys(fields).filter((k) => k.startsWith(ATTEMPT_FIELD_PREFIX))).toEqual([]);
    expect(parseAttempts(Object.entries(fields))).toEqual([
      { attempt: 1, startedAt: job.processedOn, finishedAt: job.finishedOn, outcome: 'completed', worker: worker.id },
    ]);
  });

  it('validates the arguments again at execution, and does not retry invalid ones', async () => {
    const { queue } = await setup([add]);
    // Straight through BullMQ: no client-side validation happened.
    const { state, job } = await finished(queue, await queue.add('add', { a: 'x' }, { attempts: 3 }));
    expect(state).toBe('failed');
    expect(job.failedReason).toMatch(/^Invalid arguments: /);
    expect(job.failedReason).toMatch(/\ba: /);
    expect(job.failedReason).toMatch(/\bb: /);
    expect(job.attemptsMade).toBe(1);
  });

  it('fails a job whose task no worker on the queue defines, without retrying', async () => {
    const { queue, name } = await setup([add]);
    const { state, job } = await finished(queue, await queue.add('no-such-task', {}, { attempts: 3 }));
    expect(state).toBe('failed');
    expect(job.failedReason).toBe(`Unknown task "no-such-task": no worker on queue "${name}" defines it`);
    expect(job.attemptsMade).toBe(1);
  });

  it('retries a flaky task until it succeeds (attempt 3 of 5)', async () => {
    const { queue } = await setup([flaky]);
    const { state, job } = await finished(queue, await queue.add('flaky', { failTimes: 2 }, { attempts: 5 }));
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ succeededOnAttempt: 3 });
    // Each failed attempt left its stack trace.
    expect(job.stacktrace).toHaveLength(2);
    expect(job.stacktrace?.[0]).toMatch(/Flaky failure on attempt 1/);
  });

  it('fails a throwing task with its message and one stack trace per attempt', async () => {
    const { queue } = await setup([fail]);
    const { state, job } = await finished(queue, await queue.add('fail', { message: 'boom here' }, { attempts: 2 }));
    expect(state).toBe('failed');
    expect(job.failedReason).toBe('boom here');
    expect(job.attemptsMade).toBe(2);
    expect(job.stacktrace).toHaveLength(2);
    expect(job.stacktrace?.[1]).toMatch(/^Error: boom here\n\s+at /);
  });

  it('applies schema defaults at execution (the job keeps the arguments as given)', async () => {
    const { queue } = await setup([report]);
    const { state, job } = await finished(queue, await queue.add('report', { durationMs: 0, steps: 2 }));
    expect(state).toBe('completed');
    expect(job.returnvalue).toMatchObject({ rows: 200 });
    expect(job.data).toEqual({ durationMs: 0, steps: 2 });
    expect(job.progress).toBe(100);
  });
});

describe('startWorker: cancel over the control channel', () => {
  it('cancels a running job that honours its signal: failed "cancelled", not retried, progress frozen', async () => {
    const { queue, name } = await setup([report]);
    const job = await queue.add('report', { durationMs: 20_000, steps: 200 }, { attempts: 3 });
    // Let it make some progress first, so "frozen" means something.
    await waitFor(
      'progress',
      async () => (await queue.getJob(job.id!))?.progress,
      (p) => typeof p === 'number' && p >= 1,
    );

    expect(await cancel(name, job.id!)).toBeGreaterThanOrEqual(1);
    const { state, job: done } = await finished(queue, job);
    expect(state).toBe('failed');
    expect(done.failedReason).toBe('cancelled');
    expect(done.attemptsMade).toBe(1);

    // Nothing the handler did after the cancel reached Redis: no progress or log after `failed`.
    const events = await jobEvents(name, job.id!);
    const failedAt = events.findIndex((e) => e.event === 'failed');
    expect(failedAt).toBeGreaterThan(0);
    expect(events.slice(failedAt + 1).filter((e) => e.event === 'progress' || e.event === 'log')).toEqual([]);
    const lastProgress = events.filter((e) => e.event === 'progress').at(-1);
    expect(Number(lastProgress?.data)).toBe(done.progress);
  });

  it('ends a job whose handler ignores the signal, and drops its later progress and logs', async () => {
    let handlerDone!: () => void;
    const afterCancel = new Promise<void>((r) => (handlerDone = r));
    const stubborn = defineTask({
      name: 'stubborn',
      description: 'Ignores cancellation on purpose.',
      schema: z.object({}),
      handler: async (_args, ctx) => {
        await ctx.progress(7);
        await ctx.log('before cancel');
        // Wait for the cancel only to know when to misbehave; then carry on as if nothing happened.
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
        for (let i = 0; i < 5; i++) {
          await ctx.progress(50 + i);
          await ctx.log(`after cancel ${i}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        handlerDone();
        return 'should not be stored';
      },
    });
    const { queue, name } = await setup([stubborn]);
    const job = await queue.add('stubborn', {});
    await waitFor(
      'progress 7',
      async () => (await queue.getJob(job.id!))?.progress,
      (p) => p === 7,
    );

    expect(await cancel(name, job.id!, 'stopped by operator')).toBeGreaterThanOrEqual(1);
    const { state, job: done } = await finished(queue, job);
    expect(state).toBe('failed');
    expect(done.failedReason).toBe('stopped by operator');

    await afterCancel; // the handler has made all its late calls
    const after = (await queue.getJob(job.id!))!;
    expect(after.progress).toBe(7);
    expect(after.returnvalue).toBeNull();
    expect((await queue.getJobLogs(job.id!)).logs).toEqual(['before cancel']);
    const events = await jobEvents(name, job.id!);
    expect(events.filter((e) => e.event === 'progress').map((e) => e.data)).toEqual(['7']);
    expect(events.filter((e) => e.event === 'log')).toHaveLength(1);
  });

  it('ignores a cancel for a job it does not hold', async () => {
    const { queue, name } = await setup([sleep]);
    const job = await queue.add('sleep', { ms: 300 });
    await waitFor(
      'active',
      () => queue.getJobState(job.id!),
      (s) => s === 'active',
    );
    await cancel(name, 'some-other-id');
    await cancel(uniqueName('other-queue'), job.id!);
    await redis.publish(celerityKeys().control, 'not json');
    const { state, job: done } = await finished(queue, job);
    expect(state).toBe('completed');
    expect(done.returnvalue).toEqual({ sleptMs: 300 });
  });
});
