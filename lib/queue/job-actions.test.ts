import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { getRedis, closeRedis } from '../redis';
import { closeQueues, getQueue } from './queue-registry';
import { env } from '../env';
import { ConflictError, NotFoundError, InvalidError } from '../errors';
import { cancelJob, changeJobPriority, promoteJob, removeJob, rerunJob, retryJob, rerunOf } from './job-actions';
import { getJobDto } from '../data/job-dto';
import { type RunningWorker } from '../worker/start-worker';
import { createRegistry } from '../registry/task-registry';
import { defineTask } from '../registry/define-task';
import { z } from 'zod';
import { uniqueName, waitFor, startTestWorker } from '../../test/helpers';
import { bullQueueName } from './queue-names';

// Real Redis, a queue per test; a worker runs a task that waits for cancellation and one that fails.
const queueName = uniqueName('actions');
const waitForCancel = defineTask({
  name: 'wait-for-cancel',
  description: 'runs until cancelled, reporting progress',
  queue: queueName,
  schema: z.object({}),
  handler: async (_a, ctx) => {
    await ctx.progress(10);
    await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
  },
});
const add = defineTask({
  name: 'add',
  description: 'a + b',
  queue: queueName,
  schema: z.object({ a: z.number(), b: z.number() }),
  handler: ({ a, b }) => a + b,
});
const boom = defineTask({
  name: 'boom',
  description: 'fails',
  queue: queueName,
  schema: z.object({}),
  handler: () => {
    throw new Error('boom');
  },
});

let worker: RunningWorker;
let producer: Queue;

beforeAll(async () => {
  worker = await startTestWorker(createRegistry([waitForCancel, add, boom]), { watchdogMs: 0 });
  producer = new Queue(bullQueueName(queueName), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
});

afterAll(async () => {
  await worker.stop();
  await producer.close();
  await closeQueues();
  await closeRedis();
});

const stateOf = (id: string) => getQueue(queueName).getJobState(id);

describe('job actions', () => {
  it('cancels an active job through Redis: it fails with reason "cancelled"', async () => {
    const job = await producer.add('wait-for-cancel', {});
    await waitFor(
      'active',
      () => stateOf(job.id!),
      (s) => s === 'active',
    );
    await waitFor(
      'progress',
      async () => (await getQueue(queueName).getJob(job.id!))?.progress,
      (p) => p === 10,
    );
    const { delivered } = await cancelJob(queueName, job.id!);
    expect(delivered).toBeGreaterThanOrEqual(1);
    await waitFor(
      'failed',
      () => stateOf(job.id!),
      (s) => s === 'failed',
    );
    const dto = await getJobDto(queueName, job.id!);
    expect(dto.error).toBe('cancelled');
    expect(dto.actions).toEqual(['retry', 'rerun', 'remove']);
  });

  it('refuses an action the state does not allow with a 409 that says why', async () => {
    const job = await producer.add('add', { a: 1, b: 2 });
    await waitFor(
      'completed',
      () => stateOf(job.id!),
      (s) => s === 'completed',
    );
    const err = await cancelJob(queueName, job.id!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/is completed: it cannot be cancelled/);
    await expect(promoteJob(queueName, job.id!)).rejects.toBeInstanceOf(ConflictError);
    await expect(retryJob(queueName, 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('retries a failed job under the same id', async () => {
    const job = await producer.add('boom', {});
    await waitFor(
      'failed',
      () => stateOf(job.id!),
      (s) => s === 'failed',
    );
    const before = await getQueue(queueName).getJobCountByTypes('failed');
    await retryJob(queueName, job.id!);
    // It runs again (and fails again, being `boom`): the job went through waiting/active once more.
    await waitFor(
      'failed again',
      async () => (await getQueue(queueName).getJob(job.id!))?.attemptsMade,
      (n) => n === 1,
    );
    await waitFor(
      'failed state',
      () => stateOf(job.id!),
      (s) => s === 'failed',
    );
    expect(await getQueue(queueName).getJobCountByTypes('failed')).toBe(before);
  });

  it('re-runs a finished job with edited args as a new job linked to the original', async () => {
    const job = await producer.add('add', { a: 2, b: 3 });
    await waitFor(
      'completed',
      () => stateOf(job.id!),
      (s) => s === 'completed',
    );
    const created = await rerunJob(queueName, job.id!, { args: { a: 2, b: 40 } });
    expect(created.id).not.toBe(job.id);
    expect(rerunOf(created.id)).toBe(job.id);
    await waitFor(
      'rerun completed',
      () => stateOf(created.id),
      (s) => s === 'completed',
    );
    const dto = await getJobDto(queueName, created.id);
    expect(dto.result).toBe(42);
    expect(dto.rerunOf).toBe(job.id);
    expect(dto.reruns).toEqual({ count: 0, ids: [] });
    // The original's page lists the re-run.
    expect((await getJobDto(queueName, job.id!)).reruns).toEqual({ count: 1, ids: [created.id] });
  });

  it('validates re-run args against the task schema when the task is in the catalogue', async () => {
    const job = await producer.add('add', { a: 1, b: 1 });
    await waitFor(
      'completed',
      () => stateOf(job.id!),
      (s) => s === 'completed',
    );
    const err = await rerunJob(queueName, job.id!, { args: { a: 'x', b: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('args.a');
  });

  it('promotes a delayed job, changes priority, removes a waiting one', async () => {
    const delayed = await producer.add('add', { a: 1, b: 1 }, { delay: 60_000 });
    await changeJobPriority(queueName, delayed.id!, { priority: 3 });
    expect((await getQueue(queueName).getJob(delayed.id!))?.priority).toBe(3);
    await promoteJob(queueName, delayed.id!);
    await waitFor(
      'promoted job done',
      () => stateOf(delayed.id!),
      (s) => s === 'completed',
    );

    const paused = uniqueName('paused');
    const q = new Queue(bullQueueName(paused), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
    const waiting = await q.add('x', {});
    await removeJob(paused, waiting.id!);
    expect(await q.getJobState(waiting.id!)).toBe('unknown');
    await expect(changeJobPriority(paused, waiting.id!, { priority: -1 })).rejects.toBeInstanceOf(InvalidError);
    await q.close();
  });
});
