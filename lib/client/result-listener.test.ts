import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '../redis';
import { createRedis } from '../redis';
import { defineTask } from '../registry/define-task';
import { waitFor } from '../../test/helpers';
import { bullKey } from '../keys';
import { queueStack } from '../../test/fixtures/queue-stack';
import { ResultListener } from './result-listener';

/**
 * The listener on its own, against a real worker. Its fallback poll is set an
 * hour out unless a test is about the fallback: an outcome that arrives must
 * then come from the stream or from the state read on subscribe.
 */
const stack = queueStack();
const { prefix } = stack;
const NEVER = 3_600_000;

const hello = defineTask({ name: 'hello', description: 'hello world', schema: z.object({}), handler: () => 'hello world' });
/** Runs until the test opens the gate: the job is active while its waiters subscribe. */
let openGate: () => void = () => {};
const gate = defineTask({
  name: 'gate',
  description: 'waits for the test',
  schema: z.object({}),
  handler: () => new Promise<string>((resolve) => (openGate = () => resolve('through'))),
});

function listener(queue: string, fallbackMs = NEVER, idleMs?: number): { l: ResultListener; connection: RedisConnection } {
  const connection = createRedis('blocking');
  const l = new ResultListener({ queue: stack.observe(queue), streamKey: bullKey(queue, 'events', prefix), connection, fallbackMs, idleMs });
  stack.atTeardown(() => l.close());
  return { l, connection };
}

const within = (ms: number) => AbortSignal.timeout(ms);

/** A listener whose state reads (the read on subscribe, the fallback) are noted: the ids read. */
function countingListener(queue: string, idleMs?: number): { l: ResultListener; reads: string[] } {
  const observed = stack.observe(queue);
  const reads: string[] = [];
  const counted = {
    name: observed.name,
    getJobState: (id: string) => (reads.push(id), observed.getJobState(id)),
    getJob: (id: string) => observed.getJob(id),
  } as unknown as Queue;
  const l = new ResultListener({ queue: counted, streamKey: bullKey(queue, 'events', prefix), connection: createRedis('blocking'), fallbackMs: NEVER, idleMs });
  stack.atTeardown(() => l.close());
  return { l, reads };
}

describe('ResultListener', () => {
  it('answers a job that finished before anyone waited for it (the state read on subscribe), without the poll', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([hello]);
    const job = await queue.add('hello', {});
    await waitFor(
      'the job to complete',
      () => queue.getJobState(job.id!),
      (s) => s === 'completed',
    );
    // The listener starts after the job's events were written: its cursor is past them.
    expect(await listener(name).l.wait(job.id!, within(5000))).toEqual({ state: 'completed', value: 'hello world' });
  });

  it('pushes the outcome of a job that finishes while waited for to all its waiters; a waiter of another job times out', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([gate]);
    const { l } = listener(name);
    const running = await queue.add('gate', {});
    const later = await queue.add('gate', {}, { delay: NEVER });
    await waitFor(
      'the job to be active',
      () => queue.getJobState(running.id!),
      (s) => s === 'active',
    );
    const waits = [l.wait(running.id!, within(10_000)), l.wait(running.id!, within(10_000)), l.wait(later.id!, within(500))];
    await waitFor(
      'two jobs waited for',
      () => l.waiting(),
      (n) => n === 2,
    );
    openGate();
    expect(await Promise.all(waits)).toEqual([{ state: 'completed', value: 'through' }, { state: 'completed', value: 'through' }, undefined]);
    expect(l.waiting()).toBe(0);
  });

  it('falls back to reading the state when the event is missed (the connection lost), within the fallback period', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([gate]);
    const { l, connection } = listener(name, 200);
    const job = await queue.add('gate', {});
    const wait = l.wait(job.id!, within(10_000));
    await waitFor(
      'the job waited for',
      () => l.waiting(),
      (n) => n === 1,
    );
    connection.disconnect(); // no reconnect: the completed event is never read
    openGate();
    expect(await wait).toEqual({ state: 'completed', value: 'through' });
  });

  it('stops reading a busy stream once nobody has waited for idleMs, and starts again for the next waiter', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([hello]);
    const { l } = listener(name, NEVER, 200);
    const first = await queue.add('hello', {});
    expect(await l.wait(first.id!, within(5000))).toEqual({ state: 'completed', value: 'hello world' });
    expect(l.reading()).toBe(true);
    // Events keep coming (jobs nobody waits for): after idleMs the listener stops reading them.
    await waitFor(
      'the listener to stop reading',
      async () => {
        await queue.add('hello', {});
        return l.reading();
      },
      (reading) => !reading,
    );
    const next = await queue.add('hello', {});
    expect(await l.wait(next.id!, within(5000))).toEqual({ state: 'completed', value: 'hello world' });
    const later = await queue.add('hello', {}, { delay: 300 });
    expect(await l.wait(later.id!, within(5000))).toEqual({ state: 'completed', value: 'hello world' });
  });

  it('answers a waiter marked before its job was added from the stream alone, with no state read', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([hello]);
    const { l, reads } = countingListener(name);
    const first = await queue.add('hello', {});
    expect(await l.wait(first.id!, within(5000))).toEqual({ state: 'completed', value: 'hello world' });
    expect(reads).toEqual([first.id]); // not marked: its state was read on subscribe
    const mark = l.mark();
    expect(mark).toBeDefined();
    const job = await queue.add('hello', {});
    expect(await l.wait(job.id!, within(5000), mark)).toEqual({ state: 'completed', value: 'hello world' });
    expect(reads).toEqual([first.id]);
  });

  it('still reads the state of a marked job whose end was read before its waiter came (no wait for the fallback)', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([hello]);
    const { l, reads } = countingListener(name);
    const first = await queue.add('hello', {});
    await l.wait(first.id!, within(5000));
    const mark = l.mark()!;
    const job = await queue.add('hello', {});
    await waitFor(
      "the listener to read the job's end",
      async () => l.mark()?.finished ?? 0,
      (n) => n > mark.finished,
    );
    expect(await l.wait(job.id!, within(5000), mark)).toEqual({ state: 'completed', value: 'hello world' });
    expect(reads).toEqual([first.id, job.id]);
  });

  it('still reads the state of a marked job when reading stopped and started again since the mark (a cursor past its end)', async () => {
    const { queue, name } = await stack.workerOnOwnQueue([hello]);
    const { l, reads } = countingListener(name, 200);
    const first = await queue.add('hello', {});
    await l.wait(first.id!, within(5000));
    const mark = l.mark()!;
    const job = await queue.add('hello', {});
    await waitFor(
      'the listener to stop reading',
      async () => {
        await queue.add('hello', {});
        return l.reading();
      },
      (reading) => !reading,
    );
    expect(await l.wait(job.id!, within(5000), mark)).toEqual({ state: 'completed', value: 'hello world' });
    expect(reads).toEqual([first.id, job.id]);
  });
});
