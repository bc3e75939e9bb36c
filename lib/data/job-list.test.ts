import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { getRedis, closeRedis } from '../redis';
import { closeQueues } from '../queue/queue-registry';
import { env } from '../env';
import { listJobs } from './job-list';
import { uniqueName } from '../../test/helpers';
import { bullQueueName } from '../queue/queue-names';

const queues: Queue[] = [];
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await closeQueues();
  await closeRedis();
});

async function seeded(n: number): Promise<{ q: Queue; ids: string[] }> {
  const q = new Queue(bullQueueName(uniqueName('list')), { connection: getRedis(), prefix: env().CELERITY_PREFIX });
  queues.push(q);
  // Names alternate a/b/c so filters have a known answer. Waiting jobs are LPUSHed: newest first = highest id.
  const jobs = await q.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'abc'[i % 3]!, data: { i } })));
  return { q, ids: jobs.map((j) => j.id!) };
}

describe('listJobs', () => {
  it('pages newest first and clamps a page past the end to the last page', async () => {
    const { q, ids } = await seeded(60);
    const p2 = await listJobs(q.name, 'waiting', 2, 25);
    expect(p2.total).toBe(60);
    expect(p2.jobs.map((j) => j.id)).toEqual([...ids].reverse().slice(25, 50));
    const past = await listJobs(q.name, 'waiting', 99, 25);
    expect(past.page).toBe(3);
    expect(past.jobs.map((j) => j.id)).toEqual([...ids].reverse().slice(50));
    expect(past.more).toBe(false);
  });

  it('filters by job name inside Redis, with an exact total when the scan completes', async () => {
    const { q, ids } = await seeded(60);
    const named = [...ids].reverse().filter((_, i) => (59 - i) % 3 === 1); // name "b"
    const p1 = await listJobs(q.name, 'waiting', 1, 7, 'b');
    expect(p1.jobs.every((j) => j.name === 'b')).toBe(true);
    expect(p1.jobs.map((j) => j.id)).toEqual(named.slice(0, 7));
    expect(p1.total).toBe(20);
    expect(p1.more).toBe(true);
    const p3 = await listJobs(q.name, 'waiting', 3, 7, 'b');
    expect(p3.jobs.map((j) => j.id)).toEqual(named.slice(14, 20));
    expect(p3.more).toBe(false);
    expect((await listJobs(q.name, 'waiting', 1, 7, 'nope')).jobs).toEqual([]);
  });
});
