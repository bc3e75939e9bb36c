import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { getRedis } from '@/lib/redis';
import { createLogger } from '@/lib/logger';
import { defineTask } from '@/lib/registry/define-task';
import type { AnyTask } from '@/lib/registry/task-registry';
import { publishCatalogue, readCatalogueEntry } from '@/lib/registry/catalogue';
import { TimeLimitExceeded } from '@/lib/registry/time-limits';
import { createClient } from '@/lib/client/create-client';
import { createSchedule, deleteSchedule } from '@/lib/scheduler/schedule-service';
import { JOB_TIME_KEY } from '@/lib/registry/time-limits';
import { thrown, uniqueName, waitFor } from './helpers';
import { serveApi } from './api-server';
import { queueStack } from './fixtures/queue-stack';

/**
 * Time limits, expiry and the retry policy of a task (issue 16), in process:
 * a soft limit aborts the handler's signal with a TimeLimitExceeded it can
 * catch; a hard limit fails the attempt of a handler that ignores its signal;
 * an expired job never starts and is not retried; `retryOn` retries only the
 * errors it names. Bad limits fail at definition time and with 400 in the API.
 */
const stack = queueStack();
const logger = createLogger('worker', 'error');
const never = new Promise<never>(() => {});

async function setup<T extends AnyTask>(tasks: T[]) {
  const { queue, registry } = await stack.workerOnOwnQueue(tasks, { logger, concurrency: 4 }, 'limits');
  return { queue, enqueue: createClient(registry).enqueue };
}

async function finished(q: Queue, id: string): Promise<{ state: string; job: Job }> {
  const state = await waitFor(
    `job ${id} to finish`,
    () => q.getJobState(id),
    (s) => s === 'completed' || s === 'failed',
  );
  return { state, job: (await q.getJob(id))! };
}

describe('time limits', () => {
  it("at the soft limit the handler's signal aborts with TimeLimitExceeded, which the handler can catch and finish", async () => {
    const tidy = defineTask({
      name: 'tidy',
      description: 'Waits for its signal, then cleans up and returns what it was told.',
      schema: z.object({}),
      softTimeLimit: 150,
      timeLimit: 5_000,
      handler: async (_a, ctx) => {
        await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
        const reason = ctx.signal.reason as TimeLimitExceeded;
        return { name: reason.name, kind: reason.kind, isClass: reason instanceof TimeLimitExceeded };
      },
    });
    const { queue, enqueue } = await setup([tidy]);
    const handle = await enqueue('tidy');
    const { state, job } = await finished(queue, handle.id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ name: 'TimeLimitExceeded', kind: 'soft', isClass: true });
  });

  it('at the hard limit the attempt fails with TimeLimitExceeded although the handler ignores its signal', async () => {
    let lateWriteDone = false;
    const stubborn = defineTask({
      name: 'stubborn',
      description: 'Ignores its signal; past its limit it still tries to report progress.',
      schema: z.object({}),
      timeLimit: 200,
      handler: async (_a, ctx) => {
        await new Promise((r) => setTimeout(r, 400));
        await ctx.progress(99);
        lateWriteDone = true;
        return never;
      },
    });
    const { queue, enqueue } = await setup([stubborn]);
    const { state, job } = await finished(queue, (await enqueue('stubborn')).id);
    expect(state).toBe('failed');
    expect(job.failedReason).toBe('time limit exceeded (hard limit, 200 ms)');
    // The handler runs on past its limit (in process nothing can stop it), but what it writes is dropped.
    await waitFor(
      'the late progress call to return',
      () => lateWriteDone,
      (done) => done,
    );
    expect((await queue.getJob(job.id!))!.progress).toBe(0);
  });

  it("a call's own limits win over the task's (none here)", async () => {
    const slow = defineTask({ name: 'slow', description: 'Never ends.', schema: z.object({}), handler: () => never });
    const { queue, enqueue } = await setup([slow]);
    const { state, job } = await finished(queue, (await enqueue('slow', {}, { timeLimit: 150 })).id);
    expect(state).toBe('failed');
    expect(job.failedReason).toMatch(/^time limit exceeded \(hard limit, 150 ms\)/);
  });
});

describe('schedules', () => {
  it("a schedule's runs carry its time limits; a schedule cannot set expires", async () => {
    const task = defineTask({ name: uniqueName('nightly'), description: 'x', queue: uniqueName('sched-limits'), schema: z.object({}), handler: () => 0 });
    await publishCatalogue(getRedis(), [task], 'time-limits-test');
    const name = uniqueName('limited');
    await expect(
      createSchedule({ name, task: task.name, options: { expires: 1000 }, trigger: { type: 'interval', every: 1, unit: 'hours' } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('expires'),
    });
    await createSchedule({ name, task: task.name, options: { timeLimit: 150 }, trigger: { type: 'interval', every: 1, unit: 'hours' } });
    stack.atTeardown(() => deleteSchedule(name));
    const queue = stack.observe(task.queue);
    const [next] = await waitFor(
      'the next run',
      () => queue.getJobs(['delayed', 'waiting']),
      (j) => j.length === 1,
    );
    expect((next!.opts as Record<string, unknown>)[JOB_TIME_KEY]).toEqual({ timeLimit: 150 });
  });
});

describe('expiry', () => {
  it('a job not started by its expiry never starts and fails as expired, without retries (task delay and call date)', async () => {
    const starts: string[] = [];
    const report = defineTask({
      name: 'report',
      description: 'Records that it started.',
      schema: z.object({}),
      expires: 100,
      defaults: { attempts: 3 },
      handler: (_a, ctx) => void starts.push(ctx.jobId),
    });
    const { queue, enqueue } = await setup([report]);
    // Delayed past the expiry: the worker sees each job only after it expired.
    const byTask = await enqueue('report', {}, { delay: 400 });
    const byDate = await enqueue('report', {}, { delay: 400, expires: new Date(Date.now() + 50).toISOString() });
    const fresh = await enqueue('report', {});
    for (const h of [byTask, byDate]) {
      const { state, job } = await finished(queue, h.id);
      expect(state).toBe('failed');
      expect(job.failedReason).toMatch(/^expired: not started by /);
      expect(job.attemptsMade).toBe(1);
    }
    expect((await finished(queue, fresh.id)).state).toBe('completed');
    expect(starts).toEqual([fresh.id]);
  });
});

describe('retry policy', () => {
  class Transient extends Error {}
  it('retryOn retries only the errors it names; any other fails the job at once', async () => {
    const calls = new Map<string, number>();
    const fetchFeed = defineTask({
      name: 'fetch-feed',
      description: 'Fails as told.',
      schema: z.object({ error: z.enum(['transient', 'type', 'named']) }),
      defaults: { attempts: 3, backoff: { type: 'fixed', delay: 10, jitter: 0.5 } },
      retryOn: [Transient, 'TimeLimitExceeded'],
      handler: ({ error }, ctx) => {
        calls.set(ctx.jobId, ctx.attempt);
        if (error === 'transient') throw new Transient('try again');
        if (error === 'named') throw new TimeLimitExceeded('hard', 1);
        throw new TypeError('a bug');
      },
    });
    const { queue, enqueue } = await setup([fetchFeed]);
    const [transient, type, named] = await Promise.all(['transient', 'type', 'named'].map((e) => enqueue('fetch-feed', { error: e as 'type' })));
    for (const h of [transient!, type!, named!]) expect((await finished(queue, h.id)).state).toBe('failed');
    expect(calls.get(transient!.id)).toBe(3);
    expect(calls.get(named!.id)).toBe(3);
    expect(calls.get(type!.id)).toBe(1);
    expect((await queue.getJob(type!.id))!.failedReason).toBe('a bug');
    expect((await queue.getJob(transient!.id))!.opts.backoff).toEqual({ type: 'fixed', delay: 10, jitter: 0.5 });
  });
});

describe('bad limits', () => {
  const base = { description: 'x', schema: z.object({}), handler: () => 0 };
  it('fail at definition time naming the field', () => {
    expect(thrown(() => defineTask({ ...base, name: 'a', timeLimit: 100, softTimeLimit: 200 })).message).toMatch(/softTimeLimit.*"a".*longer than timeLimit/);
    expect(thrown(() => defineTask({ ...base, name: 'b', timeLimit: -5 })).message).toMatch(/Invalid timeLimit for task "b"/);
    expect(thrown(() => defineTask({ ...base, name: 'c', expires: 0 })).message).toMatch(/Invalid expires for task "c"/);
    expect(thrown(() => defineTask({ ...base, name: 'd', retryOn: [] })).message).toMatch(/Invalid retryOn for task "d"/);
  });

  it('fail an enqueue with an InvalidError naming the option', () => {
    const t = defineTask({ ...base, name: 'e' });
    const { enqueue } = createClient({ tasks: [t], get: () => t, queues: () => ['default'] });
    return Promise.all([
      expect(enqueue('e', {}, { timeLimit: 100, softTimeLimit: 200 })).rejects.toMatchObject({ field: 'options.softTimeLimit' }),
      expect(enqueue('e', {}, { timeLimit: -1 })).rejects.toMatchObject({ field: 'options.timeLimit' }),
    ]);
  });

  it("fail an enqueue whose soft limit outlasts the task's hard one, naming the option", async () => {
    const t = defineTask({ ...base, name: 'f', timeLimit: 1_000 });
    const { enqueue } = createClient({ tasks: [t], get: () => t, queues: () => ['default'] });
    const err = await enqueue('f', {}, { softTimeLimit: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ field: 'options.softTimeLimit' });
    expect((err as Error).message).toMatch(/options\.softTimeLimit: must not be longer than the task's timeLimit \(5000 ms > 1000 ms\)/);
  });

  describe('in the API', () => {
    class Flaky extends Error {}
    const task = defineTask({
      ...base,
      name: uniqueName('api-limits'),
      queue: uniqueName('api-limits'),
      timeLimit: 60_000,
      softTimeLimit: 30_000,
      expires: 600_000,
      retryOn: [Flaky, 'TimeLimitExceeded'],
      isolation: 'process',
    });
    let served: Awaited<ReturnType<typeof serveApi>>;
    beforeAll(async () => {
      await publishCatalogue(getRedis(), [task], 'time-limits-test');
      served = await serveApi();
    });
    afterAll(() => served.close());

    it("the catalogue publishes the task's timing for its page", async () => {
      expect((await readCatalogueEntry(getRedis(), task.name))?.timing).toEqual({
        timeLimit: 60_000,
        softTimeLimit: 30_000,
        expires: 600_000,
        retryOn: ['Flaky', 'TimeLimitExceeded'],
        isolation: 'process',
      });
    });

    it.each([
      [{ timeLimit: 100, softTimeLimit: 200 }, 'options.softTimeLimit'],
      // Longer than the task's own hard limit (60 s).
      [{ softTimeLimit: 90_000 }, 'options.softTimeLimit'],
      [{ timeLimit: -1 }, 'options.timeLimit'],
      [{ expires: 'tomorrow' }, 'options.expires'],
    ])('%j answers 400 naming %s', async (options, field) => {
      const res = await fetch(`${served.base}/api/v1/tasks/${encodeURIComponent(task.name)}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args: {}, options }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    });
  });
});
