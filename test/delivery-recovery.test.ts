import { describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { env } from '@/lib/env';
import { createRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { createLogger } from '@/lib/logger';
import { DeadWorkerRecovery } from '@/lib/worker/dead-worker-recovery';
import { LOST_RETENTION_MS } from '@/lib/worker/heartbeat';
import { lateAfterMs } from '@/lib/worker/lock-fence';
import { listConnectionNames, workerNameSuffix } from '@/lib/worker/connection-names';
import { activations, runTs, streamEvents, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { DEMO_WORKER_ENTRY } from '../scripts/demo-worker';
import { CHAOS_QUEUE } from '../chaos/chaos-tasks';

/**
 * Fast recovery of a dead worker's jobs (issue 19), on real processes: a
 * worker killed with SIGKILL has its jobs back in the queue as soon as its
 * heartbeat is late, because Redis no longer lists its connections; a worker
 * that is merely silent (SIGSTOP: its sockets stay open) keeps its job.
 * The look is called by the test (the one each worker makes every 2 s), so
 * nothing waits on a timer; the lock (30 s) is far beyond the test's waits,
 * so BullMQ's stall detection cannot be what recovers the job.
 */
const stack = queueStack();
const { redis, prefix } = stack;
const queue = stack.queue(CHAOS_QUEUE);
const keys = celerityKeys();
const HEARTBEAT_MS = 1000;

/** A worker process on the chaos tasks; killed at teardown. */
function chaosWorker(): Proc {
  const proc = runTs(DEMO_WORKER_ENTRY, ['worker', '-A', 'chaos/chaos-tasks.ts'], {
    REDIS_URL: env().REDIS_URL!,
    CELERITY_PREFIX: prefix,
    CELERITY_LOG_LEVEL: 'info',
    CELERITY_HEARTBEAT_MS: String(HEARTBEAT_MS),
  });
  stack.atTeardown(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGCONT');
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

async function readyId(proc: Proc): Promise<string> {
  const line = await proc.waitForOutput(/worker ready id="[^"]+"/);
  return /id="([^"]+)"/.exec(line)![1]!;
}

/** The look every worker makes, as a worker other than `id` makes it. */
function recovery(): DeadWorkerRecovery {
  return new DeadWorkerRecovery({ command: redis, prefix, selfId: 'the-test', heartbeatMs: 100, logger: createLogger('test', 'error') });
}

/** Until the heartbeat of `id` is late for the others (lateAfterMs), by Redis's clock: the day-long copy's remaining life. */
async function waitUntilLate(id: string): Promise<void> {
  await waitFor(
    `the heartbeat of ${id} to be late`,
    () => redis.pttl(keys.workerLast(id)),
    (pttl) => pttl > 0 && LOST_RETENTION_MS - pttl > lateAfterMs(HEARTBEAT_MS) + 50,
  );
}

/** A job taken by a fresh worker process, its handler running. */
async function jobRunningOnWorker(ms: number): Promise<{ proc: Proc; id: string; jobId: string }> {
  const proc = chaosWorker();
  const id = await readyId(proc);
  const job = await queue.add('chaos.work', { ms });
  await proc.waitForOutput(new RegExp(`CHAOS start ${job.id} `));
  return { proc, id, jobId: job.id! };
}

describe('dead worker recovery', () => {
  it("names every connection of a worker after it, BullMQ's own included", async () => {
    const proc = chaosWorker();
    const id = await readyId(proc);
    const names = (await listConnectionNames(redis)).filter((n) => n.endsWith(workerNameSuffix(id)));
    // The command and control connections, the queue's worker connection and BullMQ's blocking one.
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(names.some((n) => n.includes(':__celerity:w:'))).toBe(true);
  });

  it("gives a kill -9ed worker's job back to its queue once its heartbeat is late, and another worker runs it", async () => {
    const { proc, id, jobId } = await jobRunningOnWorker(60_000);
    const look = recovery();
    proc.child.kill('SIGKILL');
    await proc.exited;
    await waitUntilLate(id);
    await look.look();

    // Back in waiting through BullMQ's own move (a 'waiting' event from active), not a stall.
    expect(await queue.getJobState(jobId)).toBe('waiting');
    const events = (await streamEvents(redis, CHAOS_QUEUE)).filter((e) => e.jobId === jobId).map((e) => `${e.event}${e.prev ? `<${e.prev}` : ''}`);
    expect(events).toContain('waiting<active');
    expect(events).not.toContain('stalled');

    // A live worker takes it (made short first); it ran twice (at-least-once), the second time to the end.
    await (await queue.getJob(jobId))!.updateData({ ms: 50, ignoreSignal: false });
    const other = chaosWorker();
    await other.waitForOutput(new RegExp(`CHAOS end ${jobId} `));
    await waitFor(
      'the job to complete',
      () => queue.getJobState(jobId),
      (s) => s === 'completed',
    );
    expect((await activations(redis, CHAOS_QUEUE)).get(jobId)).toBe(2);
  });

  it('leaves the job of a worker that is merely silent (stopped, sockets open): it finishes it itself', async () => {
    const { proc, id, jobId } = await jobRunningOnWorker(2500);
    const lockBefore = await redis.get(`${prefix}:${CHAOS_QUEUE}:${jobId}:lock`);
    proc.child.kill('SIGSTOP');
    await waitUntilLate(id);
    await recovery().look();
    expect(await queue.getJobState(jobId)).toBe('active');
    expect(await redis.get(`${prefix}:${CHAOS_QUEUE}:${jobId}:lock`)).toBe(lockBefore);

    proc.child.kill('SIGCONT');
    await proc.waitForOutput(new RegExp(`CHAOS end ${jobId} `));
    await waitFor(
      'the job to complete',
      () => queue.getJobState(jobId),
      (s) => s === 'completed',
    );
    expect((await activations(redis, CHAOS_QUEUE)).get(jobId)).toBe(1);
    expect(proc.output()).not.toMatch(/lock lost/);
  });

  it('after an outage, gives back a job taken under its own name that it never ran (the answer to the take was lost)', async () => {
    const name = `orphans-${Date.now()}`;
    const producer = stack.queue(name);
    const job = await producer.add('chaos.work', { ms: 10 });
    // The take as Redis ran it: active, locked, written with this worker's name; its answer never used.
    const connection = createRedis('blocking');
    const taker = new Worker(name, null, { connection, prefix, name: 'me', lockDuration: 30_000 });
    stack.atTeardown(async () => {
      await taker.close();
      connection.disconnect();
    });
    const taken = await taker.getNextJob('token-1');
    expect(taken?.id).toBe(job.id);
    let held = true;
    const look = new DeadWorkerRecovery({
      command: redis,
      prefix,
      selfId: 'me',
      heartbeatMs: 100,
      logger: createLogger('test', 'error'),
      ownQueues: [name],
      holds: () => held,
    });
    // Held by the worker (a fetch whose processor just started): left alone.
    look.afterOutage();
    await look.look();
    await look.look();
    expect(await producer.getJobState(job.id!)).toBe('active');
    // Not held, seen at two looks in a row: back in waiting with its lock released.
    held = false;
    look.afterOutage();
    await look.look();
    expect(await producer.getJobState(job.id!)).toBe('active');
    await look.look();
    expect(await producer.getJobState(job.id!)).toBe('waiting');
    // Without an outage, no look searches for orphans (it would cost a read of every active job).
    const again = await taker.getNextJob('token-2');
    await look.look();
    await look.look();
    await look.look();
    expect(await producer.getJobState(again!.id!)).toBe('active');
  });
});
