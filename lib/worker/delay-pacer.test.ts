import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { closeRedis, createRedis, getRedis } from '../redis';
import { env } from '../env';
import { uniqueName, waitFor } from '../../test/helpers';
import { startDelayPacer } from './delay-pacer';

// No worker runs here: only the pacer can move a delayed job before a fetch would.
const queue = new Queue(uniqueName('pacer'), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
const errors: Error[] = [];
const pacer = startDelayPacer(queue, { redis: getRedis(), isActive: () => true, onError: (e) => errors.push(e) });

afterAll(async () => {
  await pacer.stop();
  await queue.close();
  await closeRedis();
});

describe('delay pacer', () => {
  it('promotes each delayed job once it is due, never before, in due order', async () => {
    const added = Date.now();
    const late = await queue.add('hello', {}, { delay: 900 });
    const early = await queue.add('hello', {}, { delay: 400 });
    const moved: { id: string; at: number }[] = [];
    await waitFor(
      'both jobs to leave the delayed set',
      async () => {
        for (const j of [early, late]) {
          if (!moved.some((m) => m.id === j.id) && (await queue.getJobState(j.id!)) === 'waiting') moved.push({ id: j.id!, at: Date.now() });
        }
        return moved.length;
      },
      (n) => n === 2,
      5_000,
    );
    expect(moved.map((m) => m.id)).toEqual([early.id, late.id]);
    expect(moved[0]!.at).toBeGreaterThanOrEqual(added + 400);
    expect(moved[1]!.at).toBeGreaterThanOrEqual(added + 900);
    expect(errors).toEqual([]);
  });

  it('goes by the delayed set, not creation time + delay: a job delayed after a failure is not promoted early', async () => {
    // A retry's backoff, or moveToDelayed, counts from now; the job keeps its creation time
    // (here a minute ago), so creation + delay would say "due long ago".
    // A queue of its own: the fetch below must get this job, not one the tests above promoted.
    const own = new Queue(uniqueName('pacer-retry'), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
    const ownPacer = startDelayPacer(own, { redis: getRedis(), isActive: () => true, onError: (e) => errors.push(e) });
    const job = await own.add('hello', {}, { timestamp: Date.now() - 60_000 });
    const connection = createRedis('blocking');
    const fetcher = new Worker(own.name, null, { connection, prefix: env().CELERITY_PREFIX, autorun: false });
    try {
      const token = randomUUID();
      const active = await fetcher.getNextJob(token);
      expect(active?.id).toBe(job.id);
      const dueAt = Date.now() + 600;
      await active!.moveToDelayed(dueAt, token);
      expect(await own.getJobState(job.id!)).toBe('delayed');
      const seen = await waitFor(
        'the job to be promoted',
        () => own.getJobState(job.id!),
        (s) => s !== 'delayed',
        5_000,
      );
      expect(seen).toBe('waiting');
      expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
      expect(errors).toEqual([]);
    } finally {
      await ownPacer.stop();
      await fetcher.close();
      await connection.quit();
      await own.close();
    }
  });

  it('carries on when a due job was taken or removed by someone else first', async () => {
    const gone = await queue.add('hello', {}, { delay: 300 });
    const next = await queue.add('hello', {}, { delay: 600 });
    await gone.remove();
    await waitFor(
      'the next job to be promoted',
      () => queue.getJobState(next.id!),
      (s) => s === 'waiting',
      5_000,
    );
    expect(errors).toEqual([]);
  });

  it('leaves delayed jobs alone while its worker is not running', async () => {
    const idle = startDelayPacer(queue, { redis: getRedis(), isActive: () => false, onError: (e) => errors.push(e) });
    await pacer.stop(); // only the idle one is left
    const job = await queue.add('hello', {}, { delay: 200 });
    // Past its time by well over the pacer's poll: still delayed, since nothing promoted it and no worker fetched.
    await waitFor(
      'the job to be overdue by a second',
      () => Date.now(),
      (t) => t > job.timestamp + 1200,
      5_000,
    );
    expect(await queue.getJobState(job.id!)).toBe('delayed');
    await idle.stop();
  });

  it('does not promote a due job once its worker stopped running while it looked the job up', async () => {
    const own = new Queue(uniqueName('pacer-stopping'), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
    const job = await own.add('hello', {}, { delay: 20 });
    await waitFor(
      'the job to be due',
      () => Date.now(),
      (t) => t > job.timestamp + 50,
    );
    // Running for the first look (the delayed set), stopping from then on: what a shutdown does to a pacer mid-step.
    let asked = 0;
    const stopping = startDelayPacer(own, { redis: getRedis(), isActive: () => asked++ === 0, onError: (e) => errors.push(e) });
    try {
      await waitFor(
        'the pacer to have looked and asked again',
        () => asked,
        (n) => n >= 3,
        5_000,
      );
    } finally {
      await stopping.stop();
    }
    expect(await own.getJobState(job.id!)).toBe('delayed');
    await own.obliterate({ force: true });
    await own.close();
  });
});
