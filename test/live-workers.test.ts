import { describe, expect, it } from 'vitest';
import { celerityKeys } from '../lib/keys';
import { getRedis } from '../lib/redis';
import { createLogger } from '../lib/logger';
import { GatewayTimeoutError, NotFoundError } from '../lib/errors';
import { type StartWorkerOptions } from '../lib/worker/start-worker';
import { commandWorker, sendWorkerCommand } from '../lib/worker/control';
import { readHeartbeat, readHeartbeats, writeHeartbeat, type Heartbeat } from '../lib/worker/heartbeat';
import { add, sleep } from '../worker/tasks/demo-tasks';
import { testHeartbeat, uniqueName, waitFor } from './helpers';
import { queueStack, type OwnQueueWorker } from './fixtures/queue-stack';

/** Remote control of workers through Redis, and what the console knows of lost ones. */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('live-workers', 'error');

function setup(extra: Partial<StartWorkerOptions> = {}): Promise<OwnQueueWorker> {
  return stack.workerOnOwnQueue([add, sleep], { logger, concurrency: 2, heartbeatMs: 200, ...extra }, 'ctl');
}

/** Resolve once the worker has written `n` more heartbeats (its `lastSeen` moved on n times). */
async function heartbeatsLater(id: string, n: number): Promise<Heartbeat> {
  let seen = (await readHeartbeat(redis, id))!.lastSeen;
  let hb: Heartbeat | null = null;
  for (let i = 0; i < n; i++) {
    hb = await waitFor(
      'the next heartbeat',
      () => readHeartbeat(redis, id),
      (h) => Boolean(h && h.lastSeen > seen),
    );
    seen = hb!.lastSeen;
  }
  return hb!;
}

describe('remote control', () => {
  it('pause: acknowledged, takes no new jobs while paused (several heartbeats), resume: takes them', async () => {
    const { worker: w, queue: q } = await setup();
    await q.add('add', { a: 1, b: 1 }, { jobId: 'before' });
    await waitFor(
      'the first job',
      () => q.getJobState('before'),
      (s) => s === 'completed',
    );

    const paused = await commandWorker(getRedis(), { type: 'pause', workerId: w.id });
    expect(paused.delivered).toBeGreaterThanOrEqual(1);
    expect(paused.ack).toMatchObject({ workerId: w.id, command: 'pause', ok: true, state: 'paused' });
    expect(w.state()).toBe('paused');
    const processedAtPause = (await readHeartbeat(redis, w.id))!.processed;

    await q.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 }, opts: { jobId: `p${i}` } })));
    // Three heartbeats later (each one ~200 ms), nothing was taken.
    const hb = await heartbeatsLater(w.id, 3);
    expect(hb.state).toBe('paused');
    expect(hb.processed).toBe(processedAtPause);
    expect(hb.running).toEqual([]);
    expect(await q.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 3, active: 0, completed: 1 });

    const resumed = await commandWorker(getRedis(), { type: 'resume', workerId: w.id });
    expect(resumed.ack).toMatchObject({ command: 'resume', ok: true, state: 'running' });
    await waitFor(
      'the waiting jobs to run after resume',
      () => q.getJobCounts('completed'),
      (c) => c.completed === 4,
    );
  });

  it('concurrency: acknowledged and applied (more jobs at once), shown in the heartbeat', async () => {
    const { worker: w, queue: q } = await setup();
    const res = await commandWorker(getRedis(), { type: 'concurrency', workerId: w.id, concurrency: 6 });
    expect(res.ack).toMatchObject({ command: 'concurrency', ok: true, concurrency: 6 });
    expect((await readHeartbeat(redis, w.id))!.concurrency).toBe(6);
    await q.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'sleep', data: { ms: 1500 }, opts: { jobId: `s${i}` } })));
    // Six at once: more than the 2 it started with.
    await waitFor(
      'six jobs active at once',
      () => q.getJobCounts('active'),
      (c) => c.active === 6,
    );
  });

  it('shutdown: acknowledged, then the callback the process entry gives (same path as SIGTERM)', async () => {
    let requested = 0;
    const { worker: w } = await setup({ onShutdownRequested: () => requested++ });
    const res = await commandWorker(getRedis(), { type: 'shutdown', workerId: w.id });
    expect(res.ack).toMatchObject({ command: 'shutdown', ok: true, state: 'stopping' });
    await waitFor(
      'the shutdown callback',
      () => requested,
      (n) => n === 1,
    );
    // A command after that is refused: the worker is on its way out.
    const again = await commandWorker(getRedis(), { type: 'pause', workerId: w.id });
    expect(again.ack).toMatchObject({ ok: false, state: 'stopping' });
  });

  it('shutdown without a callback stops the worker: its heartbeat is cleared (gone, not lost)', async () => {
    const { worker: w } = await setup();
    await commandWorker(getRedis(), { type: 'shutdown', workerId: w.id });
    await waitFor(
      'the heartbeat to be cleared',
      () => readHeartbeats(redis),
      (r) => !r.alive.some((x) => x.id === w.id) && !r.lost.some((x) => x.id === w.id),
    );
  });

  it('a worker that does not answer: 504-style timeout; an unknown worker: not found; cancel still works', async () => {
    const { worker: w, queue: q } = await setup();
    // A heartbeat with no process behind it.
    const ghost: Heartbeat = { ...(await readHeartbeat(redis, w.id))!, id: 'ghost:1:dead', ttlMs: 60_000 };
    await writeHeartbeat(redis, ghost);
    const t0 = Date.now();
    await expect(commandWorker(getRedis(), { type: 'pause', workerId: ghost.id }, 300)).rejects.toBeInstanceOf(GatewayTimeoutError);
    expect(Date.now() - t0).toBeLessThan(2000);
    await redis.del(celerityKeys().worker(ghost.id), celerityKeys().workerLast(ghost.id));
    await redis.zrem(celerityKeys().workers, ghost.id);
    await expect(commandWorker(getRedis(), { type: 'pause', workerId: 'nobody:0:0' })).rejects.toBeInstanceOf(NotFoundError);
    // The real worker ignored the ghost's pause.
    expect(w.state()).toBe('running');

    const job = await q.add('sleep', { ms: 10_000 }, { jobId: 'long' });
    await waitFor(
      'the job to start',
      () => q.getJobState(job.id!),
      (s) => s === 'active',
    );
    await redis.publish(celerityKeys().control, JSON.stringify({ type: 'cancel', queue: q.name, jobId: 'long' }));
    await waitFor(
      'the cancel',
      () => q.getJobState('long'),
      (s) => s === 'failed',
    );
  });

  it('an acknowledgement written before the console waits is not lost', async () => {
    const { worker: w } = await setup();
    const sent = await sendWorkerCommand(getRedis(), { type: 'pause', workerId: w.id, requestId: 'early' }, 2000);
    expect(sent.ack?.requestId).toBe('early');
  });
});

describe('lost workers', () => {
  it('keep their last heartbeat (with the jobs they held) after it expired', async () => {
    const base: Heartbeat = {
      id: `crashed:${uniqueName('pid')}`,
      host: 'gone-host',
      pid: 4242,
      queues: ['default'],
      tasks: ['sleep'],
      concurrency: 1,
      running: [{ queue: 'default', jobId: '77', task: 'sleep', startedAt: Date.now(), progress: 40 }],
      processed: 9,
      failed: 1,
      startedAt: Date.now() - 60_000,
      lastSeen: Date.now(),
      version: 'test',
      state: 'running',
      ttlMs: 300,
    };
    await writeHeartbeat(redis, base);
    expect((await readHeartbeats(redis)).alive.some((w) => w.id === base.id)).toBe(true);
    const lost = await waitFor(
      'the heartbeat to expire',
      () => readHeartbeats(redis),
      (r) => r.lost.some((w) => w.id === base.id),
    );
    expect(lost.lost.find((w) => w.id === base.id)).toEqual({ id: base.id, lastSeen: base.lastSeen, last: base });
  });

  it('are pruned after a day', async () => {
    const old = testHeartbeat(`ancient:${uniqueName('pid')}`, { startedAt: 0, lastSeen: Date.now() - 25 * 3600 * 1000, version: 'test', ttlMs: 100 });
    await redis.zadd(celerityKeys().workers, old.lastSeen, old.id);
    expect((await readHeartbeats(redis)).lost.some((w) => w.id === old.id)).toBe(true);
    // Any live worker's heartbeat prunes entries lost for more than a day.
    await setup();
    expect((await readHeartbeats(redis)).lost.some((w) => w.id === old.id)).toBe(false);
  });
});
