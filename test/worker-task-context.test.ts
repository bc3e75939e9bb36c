import { describe, expect, it } from 'vitest';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { bullKey } from '@/lib/keys';
import { createLogger } from '@/lib/logger';
import { defineTask, type TaskContext } from '@/lib/registry/define-task';
import type { AnyTask } from '@/lib/registry/task-registry';
import { readCatalogue } from '@/lib/registry/catalogue';
import { createClient } from '@/lib/client/create-client';
import { parseAttempts } from '@/lib/queue/attempt-log';
import { getJobDto } from '@/lib/data/job-dto';
import { registry as demoRegistry } from '@/worker/tasks';
import { workflowTasks } from '@/worker/workflows/demo-workflows';
import { flaky } from '@/worker/tasks/demo-tasks';
import { waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * What a handler's context gives it (`jobId`, `queue`, `attempt`, object
 * progress) and the retry behaviour a task's defaults ask for, seen from
 * outside: through Redis, the job DTO and the enqueue client.
 */

const stack = queueStack();
const { redis } = stack;
const logger = createLogger('worker', 'error');

/**
 * A worker for `tasks` on a queue of their own, a Queue on it, and a client bound to the same tasks.
 * The client needs no closing of its own: it uses lib/'s shared connections, which the stack closes.
 */
async function setup<T extends AnyTask>(tasks: T[]) {
  const { name, queue, registry } = await stack.workerOnOwnQueue(tasks, { logger, concurrency: 2 }, 'ctx');
  return { name, queue, enqueue: createClient(registry).enqueue };
}

async function finished(q: Queue, id: string, timeoutMs?: number): Promise<{ state: string; job: Job }> {
  const state = await waitFor(
    `job ${id} to finish`,
    () => q.getJobState(id),
    (s) => s === 'completed' || s === 'failed',
    timeoutMs,
  );
  return { state, job: (await q.getJob(id))! };
}

describe('the task context', () => {
  it('gives the handler its job id, queue and attempt number (1, 2, 3 across retries), and records object progress', async () => {
    const seen: Pick<TaskContext, 'jobId' | 'queue' | 'attempt'>[] = [];
    const probe = defineTask({
      name: 'probe',
      description: 'Records what its context says; fails until its third attempt.',
      schema: z.object({}),
      defaults: { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
      handler: async (_args, ctx) => {
        seen.push({ jobId: ctx.jobId, queue: ctx.queue, attempt: ctx.attempt });
        await ctx.progress({ stage: 'probing', attempt: ctx.attempt, of: 3 });
        if (ctx.attempt < 3) throw new Error(`not yet (attempt ${ctx.attempt})`);
        return { ranAs: ctx.jobId };
      },
    });
    const { name, queue, enqueue } = await setup([probe]);
    const job = await enqueue('probe');
    const { state, job: done } = await finished(queue, job.id);

    expect(state).toBe('completed');
    expect(seen).toEqual([1, 2, 3].map((attempt) => ({ jobId: job.id, queue: name, attempt })));
    expect(done.returnvalue).toEqual({ ranAs: job.id });
    // The object is stored as given, and is what the console's job DTO shows.
    expect(done.progress).toEqual({ stage: 'probing', attempt: 3, of: 3 });
    const dto = await getJobDto(name, job.id);
    expect(dto.progress).toEqual({ stage: 'probing', attempt: 3, of: 3 });
    expect(dto.attemptsMade).toBe(3);
    // Each attempt is recorded with the attempt number the handler saw.
    const attempts = parseAttempts(Object.entries(await redis.hgetall(bullKey(name, job.id))));
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'completed'],
    ]);
  });
});

/**
 * What BullMQ scheduled when it retried a job: the failure time and delay it passed to its
 * moveToDelayed script, seen through MONITOR (Redis streams every command to it, so nothing is
 * missed however slow the test runs). The job hash's own `delay` field does not keep them: the
 * promotion of the delayed job resets it to 0.
 */
async function watchRetries(jobKey: () => string | undefined): Promise<{ retries: { failedAt: number; delay: number }[]; stop(): void }> {
  // MONITOR is a single-node command (this test runs on one Redis).
  const monitor = await (redis as Redis).monitor();
  const retries: { failedAt: number; delay: number }[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    // EVALSHA sha 11 KEYS[1..11] ARGV[1..]: KEYS[4] the delayed set, KEYS[5] the job, ARGV[2] the time, ARGV[5] the delay.
    const [cmd, , numKeys, ...rest] = args;
    if (!/^eval(sha)?$/i.test(cmd ?? '') || numKeys !== '11') return;
    if (!rest[3]?.endsWith(':delayed') || rest[4] !== jobKey()) return;
    retries.push({ failedAt: Number(rest[11 + 1]), delay: Number(rest[11 + 4]) });
  });
  return { retries, stop: () => monitor.disconnect() };
}

describe('flaky: retries with exponential backoff', () => {
  it('schedules attempt n+1 exactly base·2^(n-1) after the failure of attempt n, with the backoff of the task’s defaults', async () => {
    const base = flaky.defaults.backoff!.delay;
    // No jitter configured: BullMQ's exponential strategy is then exactly round(2^(n-1)·base).
    expect(flaky.defaults).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: base } });
    expect(flaky.defaults.backoff).not.toHaveProperty('jitter');
    const { name, queue, enqueue } = await setup([flaky]);
    let jobKey: string | undefined;
    const watch = await watchRetries(() => jobKey);
    try {
      // The job's id is known only once enqueued; its first failure comes after that (it fails in the handler).
      const job = await enqueue('flaky', { failTimes: 3 });
      jobKey = bullKey(name, job.id);
      // Three failures: delays of base, 2·base, 4·base (3.5 s with the shipped 500 ms).
      const { state, job: done } = await finished(queue, job.id, 30_000);

      expect(state).toBe('completed');
      expect(done.returnvalue).toEqual({ succeededOnAttempt: 4 });
      expect(done.opts.backoff).toEqual({ type: 'exponential', delay: base });
      await waitFor(
        'the three retries to be seen',
        () => watch.retries.length,
        (n) => n >= 3,
      );
      expect(watch.retries.map((r) => r.delay)).toEqual([base, 2 * base, 4 * base]);

      // The 'delayed' events say when each retry was due: exactly its failure time plus that delay.
      const dues: number[] = [];
      for (const [, fields] of await redis.xrange(bullKey(name, 'events'), '-', '+')) {
        const f: Record<string, string> = {};
        for (let i = 0; i < fields.length - 1; i += 2) f[fields[i]!] = fields[i + 1]!;
        if (f.event === 'delayed' && f.jobId === job.id) dues.push(Number(f.delay));
      }
      expect(dues).toEqual(watch.retries.map((r) => r.failedAt + r.delay));

      // And each attempt ran no earlier than it was due, after a failure recorded before BullMQ's failure time.
      const attempts = parseAttempts(Object.entries(await redis.hgetall(jobKey))).sort((a, b) => a.startedAt - b.startedAt);
      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'failed'],
        [4, 'completed'],
      ]);
      watch.retries.forEach((r, i) => {
        expect(r.failedAt, `failure time of attempt ${i + 1}`).toBeGreaterThanOrEqual(attempts[i]!.finishedAt);
        expect(attempts[i + 1]!.startedAt, `start of attempt ${i + 2}`).toBeGreaterThanOrEqual(r.failedAt + r.delay);
      });
    } finally {
      watch.stop();
    }
  });
});

describe('the catalogue of the demo tasks', () => {
  it('publishes each demo task with its description, queue and argument schema', async () => {
    await stack.worker(demoRegistry, { logger });
    const entries = new Map((await readCatalogue(redis)).map((e) => [e.name, e]));
    const expected: Record<string, string> = {
      hello: 'Returns "hello world" — the classic first task.',
      add: 'Adds two numbers and returns the sum.',
      report: 'Builds a pretend report: reports progress 0→100 and writes log lines while it runs (~10 s by default).',
      flaky: 'Fails its first attempts, then succeeds: shows retries with exponential backoff.',
      fail: 'Always throws an error (with a stack trace).',
      sleep: 'Waits for the given number of milliseconds, then returns.',
      'api-call':
        'Calls a pretend third-party API that allows 20 requests a second: its rate limit holds every worker to that together (an admin can change it live on this page).',
    };
    const workflowSteps = workflowTasks.map((t) => t.name);
    // Every shipped demo task is here (the catalogue also holds this file's other tasks).
    expect(demoRegistry.tasks.map((t) => t.name).sort()).toEqual([...Object.keys(expected), ...workflowSteps].sort());
    for (const [task, description] of Object.entries(expected)) {
      expect(entries.get(task)?.description, task).toBe(description);
      expect(entries.get(task)?.queue, task).toBe(task === 'api-call' ? 'api' : 'default');
      expect(entries.get(task)?.argsSchema, task).toMatchObject({ type: 'object' });
    }
    for (const task of workflowSteps) expect(entries.get(task)?.description, task).toMatch(/^Workflow demo: /);
    expect(entries.get('flaky')?.defaults).toMatchObject({ attempts: 5, backoff: { type: 'exponential' } });
  });
});
