import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { listJobs } from '@/lib/data/job-list';
import { getJobDto } from '@/lib/data/job-dto';
import { getHeldSummary } from '@/lib/data/held-summary';
import { heldLabel, heldOf } from '@/lib/data/held-dto';
import { findHeldJobs } from '@/lib/queue/held-jobs';
import { HELD_FIELD, admit, gateKeys } from '@/lib/limits/throttle-gate';
import { bullKey } from '@/lib/keys';
import { createLogger } from '@/lib/logger';
import { FrameCoalescer, type RelaySink } from '@/lib/events/frame-coalescer';
import { rooms, type CountsFrame } from '@/lib/events/contract';
import { countsOf, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Jobs held back by their task's limits, as the console reads them (issue 16):
 * a real worker's gate holds jobs of a rate-limited task, and the job list,
 * the job DTO, the queue's summary and the queue room's frames say why and
 * until when; a record left behind by a job taken since is ignored.
 */
const stack = queueStack();
const { redis } = stack;

// 1 start a minute: the first job runs, the others wait in delayed for a minute (longer than the test).
const limited = defineTask({ name: 'limited', description: 'rate-limited', schema: z.object({}), rateLimit: '1/m', handler: () => 'ok' });
const other = defineTask({ name: 'other', description: 'no limit', schema: z.object({}), handler: () => 'ok' });

/** A worker on a queue of its own, 1 `limited` job run and `held` more held back by the gate. */
async function heldQueue(held: number) {
  const own = await stack.workerOnOwnQueue([limited, other], { concurrency: 2 }, 'held');
  await own.queue.addBulk(Array.from({ length: held + 1 }, () => ({ name: 'limited', data: {} })));
  await waitFor(
    'one run, the rest held',
    () => countsOf(own.queue),
    (c) => c.completed === 1 && c.delayed === held,
  );
  return own;
}

const hold = (record: Record<string, unknown>) => JSON.stringify({ reason: 'rate', until: Date.now() + 60_000, ...record });

describe('held jobs', () => {
  it('the job list, the job DTO and the summary say why and until when the gate holds a job; a finished job is not held', async () => {
    const { name } = await heldQueue(3);
    const page = await listJobs(name, 'delayed', 1, 25);
    expect(page.jobs).toHaveLength(3);
    for (const j of page.jobs) {
      // The gate's record names the limit in force, the task's budget, and since when (first hold).
      expect(j.held).toMatchObject({ reason: 'rate', scope: 'task', key: null, limit: '1/m', label: 'rate limit 1/m', holds: 1 });
      expect(j.held!.since).toBeLessThanOrEqual(Date.now());
      expect(j.held!.until).toBeGreaterThan(Date.now());
      // The gate's send-back was no start.
      expect(j.startedAt).toBeNull();
    }
    const done = await listJobs(name, 'completed', 1, 25);
    expect(done.jobs).toHaveLength(1);
    expect(done.jobs[0]!.held).toBeNull();

    const dto = await getJobDto(name, page.jobs[0]!.id);
    expect(dto.held).toEqual(page.jobs[0]!.held);
    expect(dto.startedAt).toBeNull();
    expect(dto.timeline.map((e) => e.kind)).toEqual(['created', 'held']);
    expect(dto.timeline[1]).toMatchObject({ until: dto.held!.until, label: `Held back: ${dto.held!.label}` });

    const summary = await getHeldSummary(name);
    expect(summary).toMatchObject({ total: 3, complete: true });
    expect(summary.groups).toEqual([
      { task: 'limited', reason: 'rate', label: page.jobs[0]!.held!.label, count: 3, nextAt: Math.min(...page.jobs.map((j) => j.held!.until)) },
    ]);
  });

  it('a record is ignored once the job was taken again (attempts started moved on) or runs no more', async () => {
    const name = uniqueName('stale');
    const q = stack.queue(name);
    const [current, taken, legacy] = await q.addBulk(Array.from({ length: 3 }, () => ({ name: 't', data: {}, opts: { delay: 60_000 } })));
    const waiting = await q.add('t', {});
    await redis.hset(bullKey(name, current!.id!), HELD_FIELD, hold({ ats: 2 }), 'ats', '2');
    await redis.hset(bullKey(name, taken!.id!), HELD_FIELD, hold({ ats: 2 }), 'ats', '3');
    // A record without `ats` (an older gate) holds while the job waits.
    await redis.hset(bullKey(name, legacy!.id!), HELD_FIELD, hold({}));
    await redis.hset(bullKey(name, waiting.id!), HELD_FIELD, hold({}));
    const held = new Map((await listJobs(name, 'delayed', 1, 25)).jobs.map((j) => [j.id, j.held]));
    expect(held.get(current!.id!)).not.toBeNull();
    expect(held.get(taken!.id!)).toBeNull();
    expect(held.get(legacy!.id!)).not.toBeNull();
    expect((await getJobDto(name, taken!.id!)).held).toBeNull();
    // A held job promoted to waiting is still held (until the gate admits it); running or finished, no more.
    expect((await listJobs(name, 'waiting', 1, 25)).jobs.find((j) => j.id === waiting.id)?.held).toMatchObject({ reason: 'rate' });
    expect(heldOf(hold({}), 'active', null)).toBeNull();
    expect(heldOf(hold({}), 'completed', null)).toBeNull();
    expect((await getHeldSummary(name)).total).toBe(3);
  });

  it('names the limit, the key and the paused task when the record says them', () => {
    const until = Date.now();
    expect(heldOf(hold({ limit: 5, windowMs: 1000 }), 'delayed', null)?.label).toBe('rate limit 5/s');
    expect(heldOf(hold({ limit: 100, windowMs: 60_000, scope: 'key', key: 'acme' }), 'delayed', null)?.label).toBe('rate limit 100/m for key “acme”');
    expect(heldOf(JSON.stringify({ reason: 'concurrency', until, limit: 2, scope: 'key' }), 'delayed', null)?.label).toBe(
      'concurrency limit 2 running per key',
    );
    expect(heldOf(JSON.stringify({ reason: 'paused', until }), 'waiting', null)).toMatchObject({ reason: 'paused', label: 'task paused', until });
    expect(heldOf('{"reason":"bored","until":1}', 'delayed', null)).toBeNull();
    expect(heldOf('not json', 'delayed', null)).toBeNull();
    expect(heldLabel({ reason: 'concurrency', scope: 'task', key: null, limit: null })).toBe('concurrency limit');
  });

  it('the gate’s record names the budget: a key’s rate with its key, the task’s concurrency, a key’s concurrency', async () => {
    const name = uniqueName('budgets');
    const q = stack.queue(name);
    const jobs = await q.addBulk(Array.from({ length: 4 }, () => ({ name: 't', data: {}, opts: { delay: 60_000 } })));
    const [a, b, c, d] = jobs.map((j) => j.id!);
    // As BullMQ has them for active jobs: a lock each (a concurrency slot counts only while its job's lock exists).
    for (const id of [a, b, c, d]) await redis.set(bullKey(name, `${id}:lock`), 'token', 'PX', 30_000);
    const retry = { concurrencyRetryMs: 250 };
    const stored = async (id: string) => (await listJobs(name, 'delayed', 1, 25)).jobs.find((j) => j.id === id)!.held;

    const rate = { ...retry, rate: { limit: 2, windowMs: 60_000 } };
    for (const id of [a, b]) expect((await admit(redis, name, id!, gateKeys(name, 't', id!, 'acme'), rate)).admitted).toBe(true);
    expect((await admit(redis, name, c!, gateKeys(name, 't', c!, 'acme'), rate)).admitted).toBe(false);
    expect(await stored(c!)).toMatchObject({ reason: 'rate', scope: 'key', key: 'acme', label: 'rate limit 2/m for key “acme”', holds: 1 });
    // Held again: the same wait, one more hold.
    await admit(redis, name, c!, gateKeys(name, 't', c!, 'acme'), rate);
    expect(await stored(c!)).toMatchObject({ holds: 2 });

    const global = { ...retry, global: 2 };
    for (const id of [a, b]) await admit(redis, name, id!, gateKeys(name, 'g', id!), global);
    expect((await admit(redis, name, d!, gateKeys(name, 'g', d!), global)).admitted).toBe(false);
    expect(await stored(d!)).toMatchObject({ reason: 'concurrency', scope: 'task', key: null, label: 'concurrency limit 2 running' });

    const perKey = { ...retry, perKey: 1 };
    await admit(redis, name, a!, gateKeys(name, 'p', a!, undefined, 'k1'), perKey);
    expect((await admit(redis, name, b!, gateKeys(name, 'p', b!, undefined, 'k1'), perKey)).admitted).toBe(false);
    expect(await stored(b!)).toMatchObject({ reason: 'concurrency', scope: 'key', key: 'k1', label: 'concurrency limit 1 running for key “k1”' });
  });

  it('the summary looks at a bounded number of jobs and says when it did not see them all', async () => {
    const name = uniqueName('bounded');
    const q = stack.queue(name);
    const jobs = await q.addBulk(Array.from({ length: 5 }, () => ({ name: 't', data: {}, opts: { delay: 60_000 } })));
    for (const j of jobs) await redis.hset(bullKey(name, j.id!), HELD_FIELD, hold({}));
    expect(await findHeldJobs(redis, name, 5)).toMatchObject({ scanned: 5, complete: true });
    const part = await findHeldJobs(redis, name, 3);
    expect(part).toMatchObject({ scanned: 3, complete: false });
    expect(part.rows).toHaveLength(3);
  });

  it('the queue room’s counts frames carry the queue’s held jobs; the dashboard’s do not', async () => {
    const { name } = await heldQueue(2);
    const frames: { room: string | null; payload: CountsFrame }[] = [];
    const watched = [rooms.queue(name), rooms.dashboard];
    const sink: RelaySink = {
      emit: (room, event, payload) => void (event === 'counts' && frames.push({ room, payload: payload as CountsFrame })),
      roomSize: (room) => (watched.includes(room) ? 1 : 0),
      rooms: () => watched,
    };
    const coalescer = new FrameCoalescer({
      sink,
      logger: createLogger('held-test', 'error'),
      dashboard: { delta: async () => undefined, drop: () => {}, stale: () => {} },
      takeWorkers: () => undefined,
      redisUp: () => true,
    });
    coalescer.start();
    stack.atTeardown(() => coalescer.stop());
    coalescer.touchQueue(name);
    const frame = await waitFor('a queue room frame', () => frames.find((f) => f.room === rooms.queue(name)), Boolean);
    expect(frame!.payload.held?.[name]).toMatchObject({ total: 2, groups: [{ task: 'limited', count: 2 }] });
    await waitFor('a dashboard frame', () => frames.find((f) => f.room === rooms.dashboard), Boolean);
    expect(frames.filter((f) => f.room === rooms.dashboard).every((f) => f.payload.held === undefined)).toBe(true);
  });
});
