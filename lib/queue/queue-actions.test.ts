import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { getRedis, closeRedis } from '../redis';
import { closeQueues } from './queue-registry';
import { env } from '../env';
import { InvalidError, NotFoundError } from '../errors';
import { DEFAULT_RETENTION } from './job-options';
import { addRawJob, cleanQueue, drainQueue, obliterateQueue, pauseQueue, resumeQueue, retryAllFailed } from './queue-actions';
import { uniqueName } from '../../test/helpers';
import { bullQueueName } from './queue-names';

const queues: Queue[] = [];
function producer(): Queue {
  const q = new Queue(bullQueueName(uniqueName('qa')), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
  queues.push(q);
  return q;
}

afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await closeQueues();
  await closeRedis();
});

describe('queue actions', () => {
  it('pauses and resumes', async () => {
    const q = producer();
    await q.add('x', {});
    await pauseQueue(q.name);
    expect(await q.isPaused()).toBe(true);
    await resumeQueue(q.name);
    expect(await q.isPaused()).toBe(false);
  });

  it('drains waiting jobs and keeps delayed ones unless asked', async () => {
    const q = producer();
    await q.addBulk([
      { name: 'a', data: {} },
      { name: 'b', data: {} },
      { name: 'c', data: {}, opts: { delay: 60_000 } },
    ]);
    await drainQueue(q.name, {});
    expect(await q.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 1 });
    await drainQueue(q.name, { delayed: true });
    expect((await q.getJobCounts('delayed')).delayed).toBe(0);
  });

  it('cleans finished jobs older than an age, retries all failed', async () => {
    const q = producer();
    // Failed jobs written the way BullMQ would leave them, without a worker.
    const redis = getRedis();
    const prefix = env().CELERITY_PREFIX;
    const old = Date.now() - 3_600_000;
    for (let i = 1; i <= 3; i++) {
      await redis.hset(
        `${prefix}:${q.name}:${i}`,
        'name',
        'x',
        'data',
        '{}',
        'opts',
        '{}',
        'timestamp',
        old,
        'finishedOn',
        old,
        'failedReason',
        'bad',
        'atm',
        1,
      );
      await redis.zadd(`${prefix}:${q.name}:failed`, old, String(i));
    }
    await q.add('meta', {}, { delay: 60_000 }); // creates the queue's meta
    expect((await cleanQueue(q.name, { state: 'failed', olderThanMs: 7_200_000 })).removed).toBe(0);
    await retryAllFailed(q.name);
    expect((await q.getJobCounts('failed', 'waiting')).waiting).toBe(3);
    await expect(cleanQueue(q.name, { state: 'waiting', olderThanMs: 0 })).rejects.toBeInstanceOf(InvalidError);
  });

  it('obliterates only with the name typed again', async () => {
    const q = producer();
    await q.add('x', {});
    const err = await obliterateQueue(q.name, { confirm: 'nope' }).catch((e: unknown) => e);
    expect((err as InvalidError).field).toBe('confirm');
    expect(await q.getJobCountByTypes('waiting')).toBe(1);
    await obliterateQueue(q.name, { confirm: q.name });
    expect(await getRedis().exists(`${env().CELERITY_PREFIX}:${q.name}:meta`)).toBe(0);
    await expect(pauseQueue(q.name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('adds a raw job to a foreign queue', async () => {
    const q = producer();
    await q.add('seed', {});
    const job = await addRawJob(q.name, { name: 'foreign', data: { hello: 'world' } });
    const added = await q.getJob(job.id);
    expect(added?.data).toEqual({ hello: 'world' });
    // Its queue's workers may be plain BullMQ ones, which apply no retention: the job names Celerity's default.
    expect(added?.opts).toMatchObject({ removeOnComplete: DEFAULT_RETENTION.removeOnComplete, removeOnFail: DEFAULT_RETENTION.removeOnFail });
    await expect(addRawJob(q.name, { data: {} })).rejects.toBeInstanceOf(InvalidError);
  });
});
