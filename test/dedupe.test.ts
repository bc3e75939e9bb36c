import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { InvalidError } from '@/lib/errors';
import { getJobDto } from '@/lib/data/job-dto';
import { thrown, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Deduplication, debounce, uniqueness and idempotent enqueue (issues 16 and 19):
 * one mechanism, BullMQ's deduplication option, tested through `enqueue` on real Redis.
 */
const stack = queueStack();
const { prefix, redis } = stack;

const q = uniqueName('dedupe');
/** Handlers that wait for the test to let them finish, by `<id>/<n>` of their arguments. */
const gates = new Map<string, () => void>();
const gate = (name: string) => new Promise<void>((resolve) => gates.set(name, resolve));
/** Let a running handler finish (once it has started). */
const release = async (name: string) => (await waitFor(`handler ${name} started`, () => gates.get(name), Boolean))!();

const report = z.object({ id: z.string(), n: z.number().default(0) });
const tasks = [
  defineTask({ name: 'plain', description: 'no dedupe', queue: q, schema: report, handler: ({ n }) => n }),
  defineTask({
    name: 'window',
    description: 'first call wins for a minute',
    queue: q,
    schema: report,
    dedupe: { key: (a) => a.id, ttl: 60_000 },
    handler: ({ n }) => n,
  }),
  // Same key function as `window`, another task: keys are namespaced by task.
  defineTask({
    name: 'window-twin',
    description: 'same keys, other task',
    queue: q,
    schema: report,
    dedupe: { key: (a) => a.id, ttl: 60_000 },
    handler: ({ n }) => n,
  }),
  defineTask({
    name: 'debounce',
    description: 'last call wins',
    queue: q,
    schema: report,
    dedupe: { key: ['id'], ttl: 3000, debounce: true },
    handler: ({ n }) => n,
  }),
  defineTask({
    name: 'unique',
    description: 'one at a time per id',
    queue: q,
    schema: report,
    dedupe: { key: ['id'] },
    handler: async ({ id, n }) => {
      await gate(`${id}/${n}`);
      return n;
    },
  }),
  defineTask({
    name: 'kept-none',
    description: 'finished jobs not kept',
    queue: q,
    schema: report,
    retention: { completed: { count: 0 } },
    handler: ({ n }) => n,
  }),
  defineTask({ name: 'short-idem', description: 'short idempotency window', queue: q, schema: report, idempotencyTtl: 300, handler: ({ n }) => n }),
] as const;
const registry = createRegistry(tasks);
const client = createClient(registry);
afterAll(() => client.close());
const queue = stack.observe(q);

/** Every job of the queue, in any state. */
const allJobs = async () => (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])).filter(Boolean);
const runWorker = () => stack.worker(registry, { queues: [q] });

describe('dedupe option at definition time', () => {
  const define =
    (dedupe: unknown, extra: Record<string, unknown> = {}) =>
    () =>
      defineTask({ name: 'bad', description: '', schema: report, handler: () => 0, dedupe: dedupe as never, ...extra });

  it('refuses a negative, fractional or non-number ttl naming dedupe.ttl', () => {
    for (const ttl of [-1, 0, 1.5, Number.NaN, '60s'])
      expect(thrown(define({ key: ['id'], ttl })).message).toMatch(/Invalid dedupe for task "bad": dedupe\.ttl/);
  });

  it('refuses a missing key, debounce without ttl, and a bad idempotencyTtl, naming the field', () => {
    expect(thrown(define({ ttl: 10 })).message).toMatch(/dedupe\.key/);
    expect(thrown(define({ key: [] })).message).toMatch(/dedupe\.key/);
    expect(thrown(define({ key: ['id'], debounce: true })).message).toMatch(/dedupe\.ttl.*debounce/);
    expect(thrown(define(undefined, { idempotencyTtl: -5 })).message).toMatch(/idempotencyTtl/);
  });

  it('types the key: argument names of the schema, or a function of the parsed arguments', () => {
    const typed = () =>
      defineTask({ name: 't', description: '', schema: report, handler: () => 0, dedupe: { key: ['id', 'n'] } }) &&
      // @ts-expect-error -- `missing` is not an argument of the task
      defineTask({ name: 't', description: '', schema: report, handler: () => 0, dedupe: { key: ['missing'] } }) &&
      // @ts-expect-error -- the function gets the parsed arguments, whose `n` is a number
      defineTask({ name: 't', description: '', schema: report, handler: () => 0, dedupe: { key: (a) => a.n } });
    expect(typed).toBeTypeOf('function');
  });

  it('keeps a valid setting, with its mode', () => {
    expect(tasks[1].dedupe).toMatchObject({ mode: 'window', ttl: 60_000 });
    expect(tasks[3].dedupe).toMatchObject({ mode: 'debounce', ttl: 3000, key: ['id'] });
    expect(tasks[4].dedupe).toMatchObject({ mode: 'unique', key: ['id'] });
    expect(tasks[0].idempotencyTtl).toBe(24 * 3600 * 1000);
  });
});

describe('enqueue with a key', () => {
  it('makes one job of 100 concurrent calls with one key; 99 answers say it existed', async () => {
    const handles = await Promise.all(Array.from({ length: 100 }, (_, n) => client.enqueue('window', { id: 'hundred', n })));
    expectTypeOf(handles[0]!.created).toEqualTypeOf<boolean>();
    expect(handles.filter((h) => h.created)).toHaveLength(1);
    expect(new Set(handles.map((h) => h.id)).size).toBe(1);
    const jobs = (await allJobs()).filter((j) => j.name === 'window');
    expect(jobs.map((j) => j.id)).toEqual([handles[0]!.id]);
    // The winner's arguments, whichever call it was.
    expect(jobs[0]!.data).toEqual({ id: 'hundred', n: handles.findIndex((h) => h.created) });
    // BullMQ's key, on the queue's own keys (its hash tag in a cluster), namespaced by task.
    expect(await redis.get(`${prefix}:${q}:de:window:key:hundred`)).toBe(handles[0]!.id);
  });

  it('makes one job of 100 concurrent calls with one idempotency key', async () => {
    const handles = await Promise.all(Array.from({ length: 100 }, (_, n) => client.enqueue('plain', { id: 'x', n }, { idempotencyKey: 'order-100' })));
    expect(handles.filter((h) => h.created)).toHaveLength(1);
    expect(new Set(handles.map((h) => h.id)).size).toBe(1);
  });

  it('never lets two tasks share a key, and lets a call’s idempotency key win over the task’s key', async () => {
    const [a, b] = [await client.enqueue('window', { id: 'shared' }), await client.enqueue('window-twin', { id: 'shared' })];
    expect([a.created, b.created]).toEqual([true, true]);
    expect(a.id).not.toBe(b.id);
    // Same task key ('shared'), but each call has its own idempotency key: two jobs, and a retry of each finds its own.
    const c = await client.enqueue('window', { id: 'shared' }, { idempotencyKey: 'call-1' });
    const d = await client.enqueue('window', { id: 'shared' }, { idempotencyKey: 'call-2' });
    const c2 = await client.enqueue('window', { id: 'other' }, { idempotencyKey: 'call-1' });
    expect([c.created, d.created, c2.created]).toEqual([true, true, false]);
    expect(new Set([a.id, c.id, d.id]).size).toBe(3);
    expect(c2.id).toBe(c.id);
  });

  it('dedupes within one enqueueMany, and says which items were created', async () => {
    const handles = await client.enqueueMany([
      { task: 'window', args: { id: 'bulk' } },
      { task: 'window', args: { id: 'bulk', n: 1 } },
      { task: 'plain', args: { id: 'bulk' }, options: { idempotencyKey: 'bulk-1' } },
      { task: 'plain', args: { id: 'bulk' }, options: { idempotencyKey: 'bulk-1' } },
      { task: 'plain', args: { id: 'bulk' } },
    ]);
    expect(handles.map((h) => h.created)).toEqual([true, false, true, false, true]);
    expect(handles[1]!.id).toBe(handles[0]!.id);
    expect(handles[3]!.id).toBe(handles[2]!.id);
  });

  it('refuses an idempotency key over 256 characters or not a string, naming the field, before Redis', async () => {
    const before = (await allJobs()).length;
    const long = await client.enqueue('plain', { id: 'x' }, { idempotencyKey: 'k'.repeat(257) }).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(InvalidError);
    expect(long).toMatchObject({ field: 'options.idempotencyKey', message: expect.stringMatching(/1–256 characters \(got 257\)/) });
    // @ts-expect-error -- a number is refused at compile time too; this tests the runtime check
    await expect(client.enqueue('plain', { id: 'x' }, { idempotencyKey: 42 })).rejects.toMatchObject({ field: 'options.idempotencyKey' });
    await expect(client.enqueueMany([{ task: 'plain', args: { id: 'x' }, options: { idempotencyKey: '' } }])).rejects.toMatchObject({
      field: 'items.0.options.idempotencyKey',
    });
    // 256 is fine.
    expect((await client.enqueue('plain', { id: 'x' }, { idempotencyKey: 'k'.repeat(256) })).created).toBe(true);
    expect((await allJobs()).length).toBe(before + 1);
  });
});

describe('debounce, unique and windows over a job’s life', () => {
  it('debounce: the last call in the window wins, with its arguments', async () => {
    const first = await client.enqueue('debounce', { id: 'typing', n: 1 });
    const second = await client.enqueue('debounce', { id: 'typing', n: 2 });
    const lastAt = Date.now();
    const last = await client.enqueue('debounce', { id: 'typing', n: 3 });
    // Each call replaced the delayed job before it: one job left, the last call's.
    expect([first.created, second.created, last.created]).toEqual([true, true, true]);
    const jobs = (await allJobs()).filter((j) => j.name === 'debounce');
    expect(jobs.map((j) => [j.id, j.data])).toEqual([[last.id, { id: 'typing', n: 3 }]]);
    expect(await jobs[0]!.getState()).toBe('delayed');
    await runWorker();
    expect(await last.waitForResult(10_000)).toBe(3);
    // It ran once the window after the last call had passed.
    expect((await queue.getJob(last.id))!.processedOn).toBeGreaterThanOrEqual(lastAt + 3000);
    await expect(first.waitForResult(1000)).rejects.toThrow(/disappeared/);
  });

  it('unique: the key holds while the job is queued or running and is released when it completes', async () => {
    await runWorker();
    const a = await client.enqueue('unique', { id: 'u1', n: 1 });
    await waitFor(
      'the job running',
      () => queue.getJobState(a.id),
      (s) => s === 'active',
    );
    const again = await client.enqueue('unique', { id: 'u1', n: 2 });
    expect([a.created, again.created, again.id]).toEqual([true, false, a.id]);
    // Another key is not held back.
    const other = await client.enqueue('unique', { id: 'u2' });
    expect(other.created).toBe(true);
    await release('u1/1');
    expect(await a.waitForResult(10_000)).toBe(1);
    const after = await client.enqueue('unique', { id: 'u1', n: 3 });
    expect(after.created).toBe(true);
    expect(after.id).not.toBe(a.id);
    await waitFor(
      'the new job running',
      () => queue.getJobState(after.id),
      (s) => s === 'active',
    );
    await release('u1/3');
    await release('u2/0');
    expect(await after.waitForResult(10_000)).toBe(3);
  });

  it('window and idempotency key: still the same job after it completed', async () => {
    await runWorker();
    const w = await client.enqueue('window', { id: 'done', n: 7 });
    const i = await client.enqueue('plain', { id: 'done', n: 8 }, { idempotencyKey: 'paid-42' });
    expect([await w.waitForResult(10_000), await i.waitForResult(10_000)]).toEqual([7, 8]);
    const [w2, i2] = [await client.enqueue('window', { id: 'done', n: 9 }), await client.enqueue('plain', { id: 'done', n: 9 }, { idempotencyKey: 'paid-42' })];
    expect([w2.created, w2.id, i2.created, i2.id]).toEqual([false, w.id, false, i.id]);
    expect(await queue.getJobState(i.id)).toBe('completed');
    // The key keeps its window (24 h by default), it was not released at completion.
    expect(await redis.pttl(`${prefix}:${q}:de:plain:idem:paid-42`)).toBeGreaterThan(23 * 3600 * 1000);
    // The job page shows it among the job's options.
    expect((await getJobDto(q, i.id)).options.deduplication).toEqual({ id: 'plain:idem:paid-42', ttl: 24 * 3600 * 1000 });
  });

  it('idempotency key: kept when retention deletes the finished job, released when someone removes the job', async () => {
    await runWorker();
    const gone = await client.enqueue('kept-none', { id: 'r', n: 1 }, { idempotencyKey: 'retention' });
    expect(await gone.waitForResult(10_000)).toBe(1);
    expect(await queue.getJob(gone.id)).toBeUndefined();
    const retried = await client.enqueue('kept-none', { id: 'r', n: 2 }, { idempotencyKey: 'retention' });
    expect([retried.created, retried.id]).toEqual([false, gone.id]);

    const removed = await client.enqueue('plain', { id: 'r' }, { idempotencyKey: 'removed', delay: 60_000 });
    await queue.remove(removed.id);
    const again = await client.enqueue('plain', { id: 'r' }, { idempotencyKey: 'removed' });
    expect(again.created).toBe(true);
  });

  it('idempotency key: a new job once its window has passed', async () => {
    const first = await client.enqueue('short-idem', { id: 's' }, { idempotencyKey: 'brief' });
    await waitFor(
      'the key to expire',
      () => redis.exists(`${prefix}:${q}:de:short-idem:idem:brief`),
      (n) => n === 0,
    );
    const later = await client.enqueue('short-idem', { id: 's' }, { idempotencyKey: 'brief' });
    expect([first.created, later.created]).toEqual([true, true]);
    expect(later.id).not.toBe(first.id);
  });
});
