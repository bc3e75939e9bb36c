import { describe, expect, it } from 'vitest';
import { bullKey, celerityKeys } from '@/lib/keys';
import { readHeartbeats } from '@/lib/worker/heartbeat';
import { streamEvents, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The worker process end to end: the demo worker (`celerity worker -A worker/tasks/index.ts`) in a child process, stopped
 * with SIGTERM like a deployment would, while a job runs.
 */
const stack = queueStack();
const { redis } = stack;
const keys = celerityKeys();
// An observer: it must not write anything of its own into the queue.
const queue = stack.observe();

/** Start the worker process and resolve with it and its id once it is ready. */
async function startWorkerProcess(extraEnv: Record<string, string> = {}): Promise<{ proc: Proc; id: string }> {
  const proc = stack.workerProcess([], extraEnv);
  const line = await proc.waitForOutput(/worker ready id="[^"]+"/);
  return { proc, id: /id="([^"]+)"/.exec(line)![1]! };
}

/** The events BullMQ wrote for one job, in order (`added`, `active`, `progress`, `completed`…). */
async function jobEvents(id: string): Promise<string[]> {
  return (await streamEvents(redis, 'default')).filter((f) => f.jobId === id).map((f) => f.event!);
}

async function expectHeartbeatGone(id: string): Promise<void> {
  expect(await redis.exists(keys.worker(id))).toBe(0);
  expect(await redis.zscore(keys.workers, id)).toBeNull();
}

describe('worker process shutdown', () => {
  it('on SIGTERM finishes the running job, takes no new one, clears its heartbeat and exits 0', async () => {
    const { proc, id } = await startWorkerProcess();

    // Alive: a heartbeat that expires on its own, and an entry in the workers set.
    expect(await redis.pttl(keys.worker(id))).toBeGreaterThan(0);
    expect(await redis.zscore(keys.workers, id)).not.toBeNull();
    const hb = JSON.parse((await redis.get(keys.worker(id)))!) as { state: string; ttlMs: number; tasks: string[] };
    expect(hb.state).toBe('running');
    expect(hb.ttlMs).toBe(600);
    expect(hb.tasks).toContain('report');

    // BullMQ names the worker's blocking connection; CLIENT LIST shows it while it can fetch jobs.
    await waitFor(
      'the worker to be listed',
      () => queue.getWorkersCount(),
      (n) => n === 1,
    );

    const job = await queue.add('report', { durationMs: 1500, steps: 5 });
    await waitFor(
      'the report job to be active',
      () => queue.getJobState(job.id!),
      (s) => s === 'active',
    );
    // While it runs, the heartbeat is refreshed with an expiry of 3 intervals (600 ms), never without one.
    const pttl = await redis.pttl(keys.worker(id));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(600);
    await waitFor(
      'the heartbeat to list the running job',
      async () => (JSON.parse((await redis.get(keys.worker(id))) ?? '{"running":[]}') as { running: { jobId: string }[] }).running.map((r) => r.jobId),
      (ids) => ids.length === 1 && ids[0] === job.id,
    );

    proc.child.kill('SIGTERM');
    // The worker says it waits for exactly the one running job.
    await proc.waitForOutput(/stopping: no new jobs; waiting for running ones running=1/);
    // The log line is written just before close() is called; the fetching connection
    // going away is what proves the worker stopped taking jobs.
    await waitFor(
      'the worker to stop fetching',
      () => queue.getWorkersCount(),
      (n) => n === 0,
    );
    // A job added now must wait for another worker: this one is stopping.
    const late = await queue.add('hello', {});

    expect(await proc.exited).toBe(0);
    // Settled in Redis and closed properly: no job left behind, no shortcut taken for an unreachable Redis.
    expect(proc.output()).toMatch(/worker stopped id="[^"]+" processed=1 failed=0 clean=true/);
    expect(proc.output()).not.toMatch(/unreachable|left active|did not finish in time/);

    expect(await queue.getJobState(job.id!)).toBe('completed');
    const done = await queue.getJob(job.id!);
    expect(done?.returnvalue).toMatchObject({ rows: 500 });
    expect(done?.failedReason ?? '').toBe('');
    expect(done?.progress).toBe(100);
    const events = await jobEvents(job.id!);
    expect(events).toContain('completed');
    expect(events).not.toContain('stalled');
    expect(events).not.toContain('failed');
    // No other worker runs stall detection here, so "no stalled event" alone proves little: check what
    // it would find. A job in active without its lock is what the next stall check moves back; there is none.
    expect(await redis.exists(bullKey('default', `${job.id}:lock`))).toBe(0);
    expect(await redis.lrange(bullKey('default', 'active'), 0, -1)).toEqual([]);

    expect(await queue.getJobState(late.id!)).toBe('waiting');
    const counts = await queue.getJobCounts('active', 'waiting', 'failed', 'completed');
    expect(counts).toEqual({ active: 0, waiting: 1, failed: 0, completed: 1 });
    await expectHeartbeatGone(id);

    await queue.remove(late.id!);
  });

  it('when killed without a shutdown (SIGKILL), its heartbeat disappears once it expires', async () => {
    const { proc, id } = await startWorkerProcess();
    // Right before the kill: the heartbeat is there, with an expiry of 3 × 200 ms.
    const pttl = await redis.pttl(keys.worker(id));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(600);
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();
    expect(proc.child.signalCode).toBe('SIGKILL');

    // Nobody clears it: it goes away by its expiry alone.
    await waitFor(
      'the heartbeat to expire',
      () => redis.exists(keys.worker(id)),
      (n) => n === 0,
      10_000,
    );
    // The worker is not forgotten: it stays listed, now as lost, with its last heartbeat kept.
    const { alive, lost } = await readHeartbeats(redis);
    expect(alive.map((w) => w.id)).not.toContain(id);
    expect(lost.find((w) => w.id === id)?.last?.pid).toBe(proc.child.pid);

    await redis.multi().zrem(keys.workers, id).del(keys.workerLast(id)).exec();
  });

  it('after the shutdown timeout hands the running job back to the queue and exits 0', async () => {
    const timeoutMs = 300;
    const { proc, id } = await startWorkerProcess({ CELERITY_SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });

    const job = await queue.add('sleep', { ms: 60_000 });
    await waitFor(
      'the sleep job to be active',
      () => queue.getJobState(job.id!),
      (s) => s === 'active',
    );

    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const took = Date.now() - sentAt;
    expect(proc.output()).toMatch(/shutdown timeout: handing running jobs back/);
    // Handed back counts as settled: a clean stop, nothing left active.
    expect(proc.output()).toMatch(/worker stopped id="[^"]+" processed=0 failed=0 clean=true/);
    expect(proc.output()).not.toMatch(/unreachable|left active|did not finish in time/);
    // It waited for the timeout, then did not wait for the 60 s job (slack for process exit on a slow machine).
    expect(took).toBeGreaterThanOrEqual(timeoutMs);
    expect(took).toBeLessThan(timeoutMs + 5_000);

    // Handed back, not failed: waiting, no error, no attempt used up, no lock left for stall detection to find.
    expect(await queue.getJobState(job.id!)).toBe('waiting');
    const back = await queue.getJob(job.id!);
    expect(back?.failedReason ?? '').toBe('');
    expect(back?.stacktrace ?? []).toEqual([]);
    expect(back?.attemptsMade ?? 0).toBe(0);
    expect(await redis.exists(bullKey('default', `${job.id}:lock`))).toBe(0);
    const counts = await queue.getJobCounts('active', 'failed');
    expect(counts).toEqual({ active: 0, failed: 0 });
    expect(await jobEvents(job.id!)).not.toContain('failed');
    await expectHeartbeatGone(id);
  });
});
