import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { getRedis, closeRedis, createRedis } from '../redis';
import { env } from '../env';
import { closeQueues, discoverQueues, forgetQueueScan } from '../queue/queue-registry';
import { countFromClientList } from '../queue/queue-workers';
import { getQueueDetail, listQueueSummaries } from './queue-dto';
import { listJobs } from './job-list';
import { publishCatalogue, readCatalogueEntry } from '../registry/catalogue';
import { defineTask } from '../registry/define-task';
import { runTask } from '../queue/run-task';
import { DEFAULT_TASK_RETENTION } from '../queue/job-options';
import { obliterateQueue } from '../queue/queue-actions';
import { uniqueName, waitFor } from '../../test/helpers';
import { bullQueueName } from '../queue/queue-names';
import { bullKey } from '../keys';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await closeQueues();
  await closeRedis();
});

/** Drop workerCounts' cached counts (kept on globalThis for WORKERS_CACHE_MS), so the next summary runs CLIENT LIST now. */
function forgetWorkerCounts(): void {
  (globalThis as { __celerityWorkerCounts?: unknown }).__celerityWorkerCounts = undefined;
}

function producer(name: string): Queue {
  const q = new Queue(bullQueueName(name), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
  closers.push(() => q.close());
  return q;
}

describe('queue summaries', () => {
  it('counts the workers connected to each queue — plain BullMQ ones too — with one CLIENT LIST', async () => {
    const name = uniqueName('workers ü');
    const q = producer(name);
    await q.add('x', {}, { delay: 60_000 });
    const conns = [createRedis('blocking'), createRedis('blocking')];
    const workers = conns.map((connection) => new Worker(bullQueueName(name), async () => null, { connection, prefix: env().CELERITY_PREFIX }));
    closers.push(async () => {
      await Promise.all(workers.map((w) => w.close()));
      conns.forEach((c) => c.disconnect());
    });
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    // Ready is not yet named on the queue's node: on a cluster a worker's connection to that master (which
    // carries its client name) opens with its first blocking fetch, a moment after. Wait for both to show.
    const counted = await waitFor(
      'both workers in CLIENT LIST',
      async () => {
        forgetWorkerCounts();
        return (await getQueueDetail(name)).workers;
      },
      (n) => n >= 2,
    );
    expect(counted).toBe(2);
    // Agrees with BullMQ's own (per-queue) count.
    expect(await q.getWorkersCount()).toBe(2);
    const other = uniqueName('idle');
    await producer(other).add('x', {});
    expect((await getQueueDetail(other)).workers).toBe(0);
  });

  it('parses worker names from a CLIENT LIST reply, ignoring other clients', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const list = [
      `id=1 addr=x name=pre:${b64('orders')} age=1`,
      `id=2 addr=x name=pre:${b64('orders')}:w:worker-a age=1`,
      `id=3 addr=x name=pre:${b64('orders')}:qe age=1`,
      `id=4 addr=x name=other:${b64('orders')} age=1`,
      `id=5 addr=x name= age=1`,
      `id=6 addr=x name=pre:${b64('日本 queue')} age=1`,
    ].join('\n');
    expect([...countFromClientList(list, 'pre')].sort()).toEqual([
      ['orders', 2],
      ['日本 queue', 1],
    ]);
  });

  it('gives the age of the oldest waiting job', async () => {
    const name = uniqueName('oldest');
    const q = producer(name);
    const first = await q.add('a', {}, { timestamp: Date.now() - 60_000 });
    await q.add('b', {});
    const before = Date.now();
    const s = await getQueueDetail(name);
    const after = Date.now();
    expect(s.counts.waiting).toBe(2);
    expect(s.oldestWaitingAt).toBe(first.timestamp);
    // When its reads began: what a live page weighs against its frames' `at`.
    expect(s.at).toBeGreaterThanOrEqual(before);
    expect(s.at).toBeLessThanOrEqual(after);
    await q.drain();
    expect((await getQueueDetail(name)).oldestWaitingAt).toBeNull();
  });

  it('lists a queue a plain producer made, and forgets it once obliterated', async () => {
    const name = uniqueName('foreign');
    const q = producer(name);
    await q.addBulk([
      { name: 'a', data: {} },
      { name: 'b', data: {}, opts: { delay: 60_000 } },
    ]);
    const listed = (await listQueueSummaries()).find((x) => x.name === name);
    expect(listed?.counts).toMatchObject({ waiting: 1, delayed: 1 });
    await obliterateQueue(name, { confirm: name });
    expect((await discoverQueues({ maxAgeMs: 'auto' })).includes(name)).toBe(false);
  });

  it('reuses a recent scan only when asked to', async () => {
    forgetQueueScan();
    await discoverQueues({ maxAgeMs: 'auto' });
    const name = uniqueName('late');
    await producer(name).add('a', {});
    await waitFor(
      'meta written',
      () => getRedis().exists(bullKey(name, 'meta')),
      (n) => n === 1,
    );
    // Within the reuse window the cached scan does not know it yet; a fresh scan does.
    expect(await discoverQueues({ maxAgeMs: 60_000 })).not.toContain(name);
    expect(await discoverQueues()).toContain(name);
  });
});

describe('retention', () => {
  it('is configurable per task, published in the catalogue, applied when enqueueing and shown per queue', async () => {
    const queue = uniqueName('retained');
    const kept = defineTask({
      name: uniqueName('kept'),
      description: 'keeps little',
      queue,
      schema: z.object({}),
      retention: { completed: { count: 5 }, failed: { age: 3600, count: 100 } },
      handler: () => null,
    });
    const plain = defineTask({ name: uniqueName('plain'), description: 'defaults', queue, schema: z.object({}), handler: () => null });
    expect(kept.retention).toEqual({ completed: { count: 5 }, failed: { age: 3600, count: 100 } });
    expect(plain.retention).toEqual(DEFAULT_TASK_RETENTION);
    expect(() => defineTask({ name: 'bad', description: '', schema: z.object({}), handler: () => null, retention: { completed: {} } })).toThrow(
      /Invalid retention/,
    );

    await publishCatalogue(getRedis(), [kept, plain], 'test');
    expect((await readCatalogueEntry(getRedis(), kept.name))?.retention).toEqual(kept.retention);

    const j1 = await runTask(kept.name, {});
    const j2 = await runTask(plain.name, {});
    const q = producer(queue);
    expect((await q.getJob(j1.id))?.opts).toMatchObject({ removeOnComplete: { count: 5 }, removeOnFail: { age: 3600, count: 100 } });
    // The default is the worker's to apply (lib/queue/job-options.ts): the job names none.
    expect(Object.keys((await q.getJob(j2.id))?.opts ?? {})).not.toContain('removeOnComplete');
    expect(Object.keys((await q.getJob(j2.id))?.opts ?? {})).not.toContain('removeOnFail');

    const detail = await getQueueDetail(queue);
    expect(detail.retention.sort((a, b) => a.task.localeCompare(b.task))).toEqual(
      [
        { task: kept.name, retention: kept.retention },
        { task: plain.name, retention: DEFAULT_TASK_RETENTION },
      ].sort((a, b) => a.task.localeCompare(b.task)),
    );
  });
});

describe('job list rows', () => {
  it('carries an excerpt of huge arguments, not the arguments', async () => {
    const name = uniqueName('hugerows');
    const q = producer(name);
    await q.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'big', data: { i, blob: 'b'.repeat(1024 * 1024) } })));
    const page = await listJobs(name, 'waiting', 1, 25);
    expect(page.jobs).toHaveLength(5);
    expect(JSON.stringify(page).length).toBeLessThan(5_000);
    expect(page.jobs[0]!.argsExcerpt).toMatch(/^\{"i":4,"blob":"bbbb.*…$/);
    expect(page.jobs[0]!.argsExcerpt.length).toBeLessThanOrEqual(120);
  });
});
