import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient, type JobHandle } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { InvalidError, NotFoundError } from '@/lib/errors';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/** enqueueMany: typed per item, every item checked before anything is added, one addBulk per queue. */
const stack = queueStack();

const [q1, q2] = [uniqueName('many'), uniqueName('many-other')];
const tasks = [
  defineTask({ name: 'hello', description: 'hello world', queue: q1, schema: z.object({}), handler: () => 'hello world' }),
  defineTask({ name: 'add', description: 'a + b', queue: q1, schema: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => a + b }),
  defineTask({ name: 'shout', description: 'upper case', queue: q2, schema: z.object({ text: z.string() }), handler: ({ text }) => text.toUpperCase() }),
] as const;
const registry = createRegistry(tasks);
const client = createClient(registry);
afterAll(() => client.close());

const jobCount = async (queue: string) => Object.values(await stack.observe(queue).getJobCounts()).reduce((n, c) => n + c, 0);

describe('enqueueMany', () => {
  it('refuses the whole batch for one bad item, naming its index and field, and adds nothing', async () => {
    const bad = client.enqueueMany([
      { task: 'add', args: { a: 1, b: 2 } },
      // @ts-expect-error -- b must be a number: refused at compile time too; this tests the runtime check
      { task: 'add', args: { a: 1, b: 'x' } },
    ]);
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('items.1.args.b');
    await expect(client.enqueueMany([{ task: 'hello', options: { attempts: 0 } }])).rejects.toMatchObject({ field: 'items.0.options.attempts' });
    // @ts-expect-error -- not a task of the registry
    await expect(client.enqueueMany([{ task: 'hello' }, { task: 'nope' }])).rejects.toBeInstanceOf(NotFoundError);
    // @ts-expect-error -- text is required
    await expect(client.enqueueMany([{ task: 'shout' }])).rejects.toMatchObject({ field: 'items.0.args.text' });
    expect([await jobCount(q1), await jobCount(q2)]).toEqual([0, 0]);
  });

  it('adds every item with its options, across queues, and returns handles in the items’ order, typed by task', async () => {
    const handles = await client.enqueueMany([
      { task: 'add', args: { a: 2, b: 3 }, options: { priority: 4 } },
      { task: 'shout', args: { text: 'hi' } },
      { task: 'hello' },
    ]);
    expectTypeOf(handles).toEqualTypeOf<[JobHandle<number>, JobHandle<string>, JobHandle<string>]>();
    expect(handles.map((h) => h.queue)).toEqual([q1, q2, q1]);
    const jobs = await Promise.all(handles.map((h) => stack.observe(h.queue).getJob(h.id)));
    expect(jobs.map((j) => [j?.name, j?.data])).toEqual([
      ['add', { a: 2, b: 3 }],
      ['shout', { text: 'hi' }],
      ['hello', {}],
    ]);
    expect(jobs[0]!.opts.priority).toBe(4);
    // A task keeping the default retention: its jobs name none, as with enqueue (the worker applies the default).
    expect(jobs[1]!.opts).not.toHaveProperty('removeOnComplete');

    await stack.worker(registry, { queues: [q1, q2] });
    expect(await Promise.all(handles.map((h) => h.waitForResult(10_000)))).toEqual([5, 'HI', 'hello world']);
  });

  it('takes an empty list without touching Redis, and a plain array of items', async () => {
    expect(await client.enqueueMany([])).toEqual([]);
    const items = [1, 2, 3].map((a) => ({ task: 'add' as const, args: { a, b: 1 } }));
    const handles = await client.enqueueMany(items);
    expectTypeOf(handles).toEqualTypeOf<JobHandle<number>[]>();
    expect(handles).toHaveLength(3);
  });
});
