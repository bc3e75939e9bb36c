import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { GatewayTimeoutError, NotFoundError } from '@/lib/errors';
import { uniqueName, waitFor } from './helpers';
import { forEachMaster } from '@/lib/redis';
import { queueStack } from './fixtures/queue-stack';

/** waitForResult through the client: pushed outcomes, failures, removal, timeout, one listener for many waiters. */
const stack = queueStack();
const { redis } = stack;

// Each file's tasks on queues of their own, so no other file's worker takes them.
const queue = uniqueName('wait');
const idle = uniqueName('wait-idle'); // no worker until a test starts one
const onceQueue = uniqueName('wait-once');
const tasks = [
  defineTask({ name: 'hello', description: 'hello world', queue, schema: z.object({}), handler: () => 'hello world' }),
  defineTask({ name: 'add', description: 'a + b', queue, schema: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => a + b }),
  defineTask({
    name: 'fail',
    description: 'always fails',
    queue,
    schema: z.object({ message: z.string() }),
    defaults: { attempts: 2 },
    handler: ({ message }): never => {
      throw new Error(message);
    },
  }),
  defineTask({
    name: 'flaky',
    description: 'fails once, then succeeds',
    queue,
    schema: z.object({}),
    defaults: { attempts: 3 },
    handler: (_args, ctx) => {
      if (ctx.attempt === 1) throw new Error('first attempt fails');
      return `attempt ${ctx.attempt}`;
    },
  }),
  defineTask({ name: 'once', description: 'returns once', queue: onceQueue, schema: z.object({}), handler: () => 'once' }),
  defineTask({ name: 'later', description: 'on a queue without a worker', queue: idle, schema: z.object({}), handler: () => 'late' }),
] as const;
const registry = createRegistry(tasks);
const client = createClient(registry);
afterAll(() => client.close());

/** The clients connected to Redis, by name (on a cluster, per master: a client holds one connection per node it uses). */
async function connectionsByNode(): Promise<string[][]> {
  return forEachMaster(redis, async (node) =>
    ((await node.client('LIST')) as string)
      .trim()
      .split('\n')
      .map((line) => /name=(\S*)/.exec(line)?.[1] ?? ''),
  );
}
const connections = async () => (await connectionsByNode()).flat();

describe('waitForResult', () => {
  it('resolves with the result as the job completes, typed by the task', async () => {
    await stack.worker(registry, { queues: [queue] });
    const hello = await client.enqueue('hello');
    const sum = await client.enqueue('add', { a: 2, b: 3 });
    const [h, s] = [await hello.waitForResult(10_000), await sum.waitForResult(10_000)];
    expect([h, s]).toEqual(['hello world', 5]);
    const typed: [string, number] = [h, s];
    expect(typed).toHaveLength(2);
  });

  it('resolves at once for an idempotent enqueue that returns a job finished before the stream was being read (its state is read)', async () => {
    await stack.worker(registry, { queues: [onceQueue] });
    const idempotencyKey = uniqueName('key');
    const first = await client.enqueue('once', {}, { idempotencyKey });
    await waitFor(
      'the job to complete, nobody waiting',
      () => stack.observe(onceQueue).getJobState(first.id),
      (s) => s === 'completed',
    );
    // Another job's waiter starts reading the queue's stream: its cursor is past the first job's end.
    expect(await (await client.enqueue('once')).waitForResult(10_000)).toBe('once');
    const again = await client.enqueue('once', {}, { idempotencyKey });
    expect([again.created, again.id]).toEqual([false, first.id]);
    // Well within the listener's 2 s fallback: the answer comes from the state read on subscribe.
    expect(await again.waitForResult(1000)).toBe('once');
  });

  it('rejects with the error once the job has failed for good, not at a failed attempt that is retried', async () => {
    await stack.worker(registry, { queues: [queue] });
    const failing = await client.enqueue('fail', { message: 'boom' });
    const flaky = await client.enqueue('flaky');
    await expect(failing.waitForResult(10_000)).rejects.toThrow('boom');
    expect(
      await stack
        .observe(queue)
        .getJob(failing.id)
        .then((j) => j?.attemptsMade),
    ).toBe(2);
    expect(await flaky.waitForResult(10_000)).toBe('attempt 2');
  });

  it('resolves for a job that finished before waitForResult was called', async () => {
    await stack.worker(registry, { queues: [queue] });
    const job = await client.enqueue('add', { a: 20, b: 22 });
    await waitFor(
      'the job to complete',
      () => stack.observe(queue).getJobState(job.id),
      (s) => s === 'completed',
    );
    expect(await job.waitForResult(10_000)).toBe(42);
  });

  it('rejects with GatewayTimeoutError after the timeout, and NotFoundError when the job is removed meanwhile', async () => {
    const slow = await client.enqueue('later');
    const err = await slow.waitForResult(300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayTimeoutError);
    const removed = await client.enqueue('later');
    // The expectation is attached at once: the rejection may come while remove() is still awaited
    // (else it counts as an unhandled rejection, which fails the run).
    const waiting = expect(removed.waitForResult(10_000)).rejects.toBeInstanceOf(NotFoundError);
    await stack.observe(idle).remove(removed.id);
    await waiting;
  });

  it('200 concurrent waiters share one listener connection per queue', async () => {
    const listenerName = `celerity:results:${idle}`;
    const opened = (await connections()).length;
    const handles = await Promise.all(Array.from({ length: 200 }, () => client.enqueue('later')));
    const waits = handles.map((h) => h.waitForResult(20_000));
    await waitFor('the listener connection', connections, (names) => names.includes(listenerName));
    // One connection for the queue's waiters (none per waiter), whether this test or an earlier one opened it.
    const byNode = await connectionsByNode();
    for (const names of byNode) expect(names.filter((n) => n === listenerName).length).toBeLessThanOrEqual(1);
    expect(byNode.flat().length).toBeLessThanOrEqual(opened + byNode.length);
    await stack.worker(registry, { queues: [idle] });
    expect(await Promise.all(waits)).toEqual(handles.map(() => 'late'));
  });
});
