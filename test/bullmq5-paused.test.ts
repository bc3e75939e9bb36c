import { afterAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Queue as Queue5 } from 'bullmq5';
import { getRedis, closeRedis, createRedis } from '@/lib/redis';
import { env } from '@/lib/env';
import { bullKey } from '@/lib/keys';
import { closeQueues, forgetQueueScan } from '@/lib/queue/queue-registry';
import { getQueueCounts, getQueueDetail, listQueueSummaries } from '@/lib/data/queue-dto';
import { listJobs } from '@/lib/data/job-list';
import { getJobDto } from '@/lib/data/job-dto';
import { collectMetrics } from '@/lib/metrics/collect-metrics';
import { changeJobPriority, removeJob } from '@/lib/queue/job-actions';
import { drainQueue, pauseQueue, resumeQueue } from '@/lib/queue/queue-actions';
import { ConflictError } from '@/lib/errors';
import { uniqueName } from './helpers';

/**
 * A queue paused by a BullMQ 5 producer keeps its jobs in a `paused` list
 * (BullMQ 6 keeps them in `wait` and only marks the meta hash). The console
 * counts and lists both as waiting, and a resume from the console makes the
 * v5 list runnable by BullMQ 6 workers.
 */

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await closeQueues();
  await closeRedis();
});

/** A real BullMQ 5 producer on the test Redis (its own ioredis copy: it gets connection options, not our client). */
function producer5(name: string): Queue5 {
  const { hostname, port } = new URL(env().REDIS_URL!);
  const q = new Queue5(name, { connection: { host: hostname, port: Number(port) }, prefix: env().CELERITY_PREFIX });
  closers.push(() => q.close());
  return q;
}

function producer6(name: string): Queue {
  const q = new Queue(name, { connection: getRedis(), prefix: env().CELERITY_PREFIX });
  closers.push(() => q.close());
  return q;
}

/** Jobs named a/b/c in turn, so a name filter has a known answer; returns their ids, oldest first. */
async function addJobs(q: Queue | Queue5, n: number, from = 0): Promise<string[]> {
  const jobs = await q.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'abc'[(from + i) % 3]!, data: { i: from + i } })));
  return jobs.map((j) => j.id!);
}

const key = (name: string, part: string) => bullKey(name, part, env().CELERITY_PREFIX);

async function metricsLine(name: string, state: string): Promise<string | undefined> {
  const text = await collectMetrics(getRedis());
  return text.split('\n').find((l) => l.startsWith('celerity_queue_jobs{') && l.includes(`queue="${name}"`) && l.includes(`state="${state}"`));
}

/** Every place the console shows a queue's waiting jobs agrees: `ids` (newest first) wait, and the queue is paused. */
async function expectWaiting(name: string, ids: string[]): Promise<void> {
  const n = ids.length;
  expect((await getQueueCounts(name)).waiting).toBe(n);
  const detail = await getQueueDetail(name);
  expect(detail.paused).toBe(true);
  expect(detail.counts.waiting).toBe(n);
  forgetQueueScan(); // the list and /metrics reuse a recent scan of queue names, made before this queue existed
  const summary = (await listQueueSummaries()).find((s) => s.name === name);
  expect(summary?.counts.waiting).toBe(n);
  expect(summary?.paused).toBe(true);
  expect(await metricsLine(name, 'waiting')).toBe(`celerity_queue_jobs{queue="${name}",state="waiting"} ${n}`);

  // Pages of 7 across the whole list (and across the wait/paused boundary when both hold jobs).
  const seen: string[] = [];
  for (let page = 1; page <= Math.ceil(n / 7); page++) {
    const p = await listJobs(name, 'waiting', page, 7);
    expect(p.total).toBe(n);
    expect(p.page).toBe(page);
    expect(p.more).toBe(page < Math.ceil(n / 7));
    seen.push(...p.jobs.map((j) => j.id));
  }
  expect(seen).toEqual(ids);
  // A page past the end is the last page.
  expect((await listJobs(name, 'waiting', 99, 7)).jobs.map((j) => j.id)).toEqual(ids.slice(Math.floor((n - 1) / 7) * 7));

  // The name filter walks the same jobs.
  const named = (await Promise.all(ids.map((id) => getJobDto(name, id)))).filter((j) => j.name === 'b').map((j) => j.id);
  const filtered = await listJobs(name, 'waiting', 1, 100, 'b');
  expect(filtered.jobs.map((j) => j.id)).toEqual(named);
  expect(filtered.total).toBe(named.length);
}

describe('a queue paused by BullMQ 5', () => {
  it('keeps its jobs in the paused list, and the console counts and lists them as waiting', async () => {
    const name = uniqueName('v5-paused');
    const q5 = producer5(name);
    const before = await addJobs(q5, 4); // in `wait`: pausing renames it to `paused`
    await q5.pause();
    const after = await addJobs(q5, 19, 4); // straight into `paused`
    const redis = getRedis();
    // BullMQ 5's layout: the meta hash says paused, and the jobs moved to the `paused` list.
    expect(await redis.hget(key(name, 'meta'), 'paused')).toBe('1');
    expect(await redis.exists(key(name, 'wait'))).toBe(0);
    expect(await redis.llen(key(name, 'paused'))).toBe(23);

    await expectWaiting(name, [...before, ...after].reverse());
    const first = await getJobDto(name, before[0]!);
    expect(first.state).toBe('waiting');
    expect((await getQueueDetail(name)).oldestWaitingAt).toBe(first.createdAt);
  });

  it('counts and lists a BullMQ 6 paused queue (jobs in wait) the same way', async () => {
    const name = uniqueName('v6-paused');
    const q = producer6(name);
    await q.pause();
    const ids = await addJobs(q, 16);
    expect(await getRedis().exists(key(name, 'paused'))).toBe(0);
    await expectWaiting(name, [...ids].reverse());
  });

  it('shows both lists when BullMQ 5 and 6 producers share a paused queue, wait first as a resume orders them', async () => {
    const name = uniqueName('mixed');
    const q5 = producer5(name);
    const q6 = producer6(name);
    const legacy = await addJobs(q5, 3);
    await q5.pause();
    const legacyAfter = await addJobs(q5, 8, 3); // paused list: 11
    const current = await addJobs(q6, 10, 11); // BullMQ 6 adds to wait even while paused: 10
    expect(await getRedis().llen(key(name, 'paused'))).toBe(11);
    expect(await getRedis().llen(key(name, 'wait'))).toBe(10);
    await expectWaiting(name, [...current.reverse(), ...[...legacy, ...legacyAfter].reverse()]);
  });
});

describe('actions on a queue paused by BullMQ 5', () => {
  it('pause and resume from the console keep every job, and BullMQ 6 workers run them all', async () => {
    const name = uniqueName('v5-resume');
    const q5 = producer5(name);
    await q5.pause();
    const legacy = await addJobs(q5, 12);
    const current = await addJobs(producer6(name), 5, 12); // wait is not empty: resume appends the paused list to it
    await pauseQueue(name); // a second pause changes nothing
    expect((await getQueueCounts(name)).waiting).toBe(17);

    const events = new QueueEvents(name, { connection: createRedis('blocking'), prefix: env().CELERITY_PREFIX });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const done = new Set<string>();
    const allDone = new Promise<void>((resolve) =>
      events.on('completed', ({ jobId }) => {
        done.add(jobId);
        if (done.size === 17) resolve();
      }),
    );
    const worker = new Worker(name, async (job) => job.data, { connection: createRedis('blocking'), prefix: env().CELERITY_PREFIX });
    closers.push(() => worker.close());
    await worker.waitUntilReady();

    await resumeQueue(name);
    expect(await getRedis().exists(key(name, 'paused'))).toBe(0);
    await allDone;
    expect([...done].sort()).toEqual([...legacy, ...current].sort());
    expect((await getQueueCounts(name)).completed).toBe(17);
  });

  it('removes and drains jobs of the paused list; a new priority is refused with the reason', async () => {
    const name = uniqueName('v5-actions');
    const q5 = producer5(name);
    await q5.pause();
    const ids = await addJobs(q5, 6);
    await removeJob(name, ids[2]!);
    expect((await getQueueCounts(name)).waiting).toBe(5);
    expect((await listJobs(name, 'waiting', 1, 10)).jobs.map((j) => j.id)).not.toContain(ids[2]);

    // BullMQ 6 would only write the field: the job would stay in the paused list, still unprioritized.
    const refused = changeJobPriority(name, ids[0]!, { priority: 5 });
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(/BullMQ 5.*resume the queue/);

    await drainQueue(name, {});
    expect((await getQueueCounts(name)).waiting).toBe(0);
    expect(await getRedis().exists(key(name, 'paused'))).toBe(0);
  });
});
