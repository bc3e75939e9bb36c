import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { closeRedis, getRedis } from '../redis';
import { env } from '../env';
import { uniqueName, waitFor } from '../../test/helpers';
import { startDelayPacer } from './delay-pacer';

// No worker runs here: only the pacer can move a delayed job before a fetch would.
const queue = new Queue(uniqueName('pacer'), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
const errors: Error[] = [];
const pacer = startDelayPacer(queue, { isActive: () => true, onError: (e) => errors.push(e) });

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

  it('carries on when a due job was taken or removed by someone else first', async () => {
    const gone = await queue.add('hello', {}, { delay: 300 });
    const next = await queue.add('hello', {}, { delay: 600 });
    await gone.remove();
    await waitFor('the next job to be promoted', () => queue.getJobState(next.id!), (s) => s === 'waiting', 5_000);
    expect(errors).toEqual([]);
  });

  it('leaves delayed jobs alone while its worker is not running', async () => {
    const idle = startDelayPacer(queue, { isActive: () => false, onError: (e) => errors.push(e) });
    await pacer.stop(); // only the idle one is left
    const job = await queue.add('hello', {}, { delay: 200 });
    // Past its time by well over the pacer's poll: still delayed, since nothing promoted it and no worker fetched.
    await waitFor('the job to be overdue by a second', () => Date.now(), (t) => t > job.timestamp + 1200, 5_000);
    expect(await queue.getJobState(job.id!)).toBe('delayed');
    await idle.stop();
  });
});
