import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRedis, closeRedis, forEachMaster } from '../redis';
import { queueKeyPrefix } from '../keys';
import { publishCatalogue } from '../registry/catalogue';
import { InvalidError, NotFoundError } from '../errors';
import { closeQueues, getQueue } from './queue-registry';
import { runTask } from './run-task';
import { registry } from '../../worker/tasks';

// Every demo task uses the `default` queue; this file's prefix is its own, so
// the queue starts empty and only this file's jobs are in it.
const QUEUE = 'default';

/** Every Redis key of the queue (BullMQ writes `meta`, `id`, `wait`, `events`… on the first add). */
async function queueKeys(): Promise<string[]> {
  const out: string[] = [];
  // Every master of a cluster (the queue's keys are on one, but which is the slot's business).
  await forEachMaster(getRedis(), async (node) => {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${queueKeyPrefix(QUEUE).replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  });
  return out.sort();
}

/** Run `fn`, expect an InvalidError, and check that not one key of the queue was written meanwhile. */
async function invalidWithoutWrites(fn: () => Promise<unknown>): Promise<InvalidError> {
  // A BullMQ Queue object writes the queue's `meta` hash shortly after it is created;
  // getVersion() waits for that write, so it cannot land inside the window below.
  await getQueue(QUEUE).getVersion();
  const before = await queueKeys();
  const counts = await getQueue(QUEUE).getJobCounts();
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidError);
  expect(await queueKeys()).toEqual(before);
  expect(await getQueue(QUEUE).getJobCounts()).toEqual(counts);
  return err as InvalidError;
}

beforeAll(async () => {
  await publishCatalogue(getRedis(), registry.tasks, 'run-task-test');
});

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

describe('runTask', () => {
  // Declared first on purpose: with this file's fresh prefix the queue has no key at all yet.
  // No Queue object is created here (it would write `meta`), so "nothing" means no key at all.
  it('refuses bad arguments with field args.<name> and writes nothing', async () => {
    expect(await queueKeys()).toEqual([]);
    const err = await runTask('add', { args: { a: 'x', b: 1 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('args.a');
    expect((err as InvalidError).status).toBe(400);
    expect(Object.keys((err as InvalidError).fields ?? {})).toEqual(['args.a']);
    expect(await queueKeys()).toEqual([]);
  });

  it('applies the constraints of the schema rebuilt from the catalogue (integer, range, required)', async () => {
    expect((await invalidWithoutWrites(() => runTask('report', { args: { durationMs: 1.5 } }))).field).toBe('args.durationMs');
    expect((await invalidWithoutWrites(() => runTask('report', { args: { steps: 0 } }))).field).toBe('args.steps');
    expect((await invalidWithoutWrites(() => runTask('add', { args: { a: 1 } }))).field).toBe('args.b');
    expect((await invalidWithoutWrites(() => runTask('add', {}))).field).toMatch(/^args\./);
  });

  it('refuses bad options with field options.<name>', async () => {
    const err = await invalidWithoutWrites(() => runTask('add', { args: { a: 1, b: 2 }, options: { attempts: 0 } }));
    expect(err.field).toBe('options.attempts');
    const backoff = await invalidWithoutWrites(() => runTask('add', { args: { a: 1, b: 2 }, options: { backoff: { type: 'linear', delay: 1 } } }));
    expect(backoff.field).toBe('options.backoff.type');
    // Options outside the accepted subset of BullMQ's are refused, not passed through.
    await invalidWithoutWrites(() => runTask('add', { args: { a: 1, b: 2 }, options: { jobId: 'mine' } }));
  });

  it('refuses an unknown top-level key and a non-object args', async () => {
    await invalidWithoutWrites(() => runTask('add', { args: { a: 1, b: 2 }, extra: true }));
    expect((await invalidWithoutWrites(() => runTask('add', { args: [1, 2] }))).field).toBe('args');
  });

  it('throws NotFoundError for a task not in the catalogue', async () => {
    await expect(runTask('no-such-task', { args: {} })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('enqueues a valid run: job name = task, data = args as given, waiting in the task queue', async () => {
    const res = await runTask('add', { args: { a: 2, b: 3 } });
    expect(res.queue).toBe(QUEUE);
    const queue = getQueue(QUEUE);
    const job = await queue.getJob(res.id);
    expect(job?.name).toBe('add');
    expect(job?.data).toEqual({ a: 2, b: 3 });
    expect(await queue.getJobState(res.id)).toBe('waiting');
    // The default retention is the worker's (lib/queue/job-options.ts): the job names none.
    expect(job?.opts).not.toHaveProperty('removeOnComplete');
    expect(job?.opts).not.toHaveProperty('removeOnFail');
  });

  it("uses the task's default options, and the caller's options win over them", async () => {
    const queue = getQueue(QUEUE);
    const byDefault = await queue.getJob((await runTask('flaky', { args: { failTimes: 1 } })).id);
    expect(byDefault?.opts.attempts).toBe(5);
    expect(byDefault?.opts.backoff).toEqual({ type: 'exponential', delay: 500 });

    const own = await runTask('flaky', { args: {}, options: { attempts: 2, delay: 60_000 } });
    const job = await queue.getJob(own.id);
    expect(job?.opts.attempts).toBe(2);
    expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 500 });
    expect(await queue.getJobState(own.id)).toBe('delayed');
  });
});
