import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { createRedis } from '../redis';
import { bullQueueName } from '../queue/queue-names';
import { uniqueName } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';
import { FencedWorker } from './queue-workers';

const stack = queueStack();

/** A FencedWorker on a queue of its own whose fetches and handler starts are noted in order. */
function notedWorker(concurrency: number): { worker: FencedWorker; queue: string; noted: string[] } {
  const queue = uniqueName('fetch');
  const noted: string[] = [];
  const connection = createRedis('blocking');
  const worker = new FencedWorker(
    bullQueueName(queue),
    async (job: Job) => {
      noted.push(`handler ${job.id}`);
      return 'done';
    },
    { connection, prefix: stack.prefix, concurrency, autorun: false },
  );
  // Each fetch as BullMQ's loop sees it, once its answer is back.
  const fetch = (worker as unknown as { moveToActive: (token: string, name?: string) => Promise<Job | undefined> }).moveToActive.bind(worker);
  (worker as unknown as { moveToActive: typeof fetch }).moveToActive = async (token, name) => {
    const job = await fetch(token, name);
    noted.push(job ? `fetched ${job.id}` : 'fetched none');
    return job;
  };
  stack.atTeardown(async () => {
    await worker.close();
    connection.disconnect();
  });
  return { worker, queue, noted };
}

describe('FencedWorker', () => {
  it('runs a job taken after a blocking wait at once, not after the fetch of the next one comes back (concurrency > 1)', async () => {
    const { worker, queue, noted } = notedWorker(5);
    const completed = () => new Promise((resolve) => worker.once('completed', resolve));
    void worker.run();
    // A first job: once it is done, the worker's loop waits for the next one in a blocking fetch of its own.
    const first = completed();
    await stack.queue(queue).add('x', {});
    await first;
    const second = completed();
    const job = await stack.queue(queue).add('x', {});
    await second;
    // BullMQ alone fetches once more (an empty answer, a whole round trip) before it starts the job.
    const from = noted.indexOf(`fetched ${job.id}`);
    expect(noted.slice(from, from + 3)).toEqual([`fetched ${job.id}`, `handler ${job.id}`, 'fetched none']);
  });

  it('still takes every job of a burst that arrives while it blocks', async () => {
    const { worker, queue } = notedWorker(3);
    const drained = new Promise<void>((resolve) => worker.once('drained', () => resolve()));
    void worker.run();
    await drained;
    let done = 0;
    const all = new Promise<void>((resolve) => worker.on('completed', () => ++done === 10 && resolve()));
    await stack.queue(queue).addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'x', data: { i } })));
    await all;
    expect(await stack.observe(queue).getCompletedCount()).toBe(10);
  });
});
