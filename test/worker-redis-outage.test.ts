import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createRedis } from '@/lib/redis';
import { freePort, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { stopDeadlineMs } from '@/lib/worker/start-worker';
import { waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * The worker process when its Redis goes away: what it logs, how it comes
 * back, and that a SIGTERM still ends it. Each test starts a redis-server of
 * its own (temp dir, free port) because it stops it: never the shared test Redis.
 */
const stack = queueStack();
const { prefix } = stack;

/** A redis-server of this test's own; `appendonly` keeps its data across a restart on the same dir. Stopped, and its dir removed, when the test ends. */
async function ownRedis(opts: { appendonly?: boolean; port?: number; dir?: string } = {}): Promise<RunningRedis & { dir: string }> {
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'celerity-outage-'));
  if (!opts.dir) stack.atTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startRedisServer({ port: opts.port ?? (await freePort()), dir, appendonly: opts.appendonly ?? false });
  stack.atTeardown(() => server.stop());
  return { ...server, dir };
}

/** The demo worker against the Redis at `redisUrl`, under this file's prefix. */
const startWorker = (redisUrl: string, extraEnv: Record<string, string> = {}): Proc => stack.workerProcess([], { REDIS_URL: redisUrl, ...extraEnv });

/** An observer on the `default` queue of a given Redis. */
function queueOn(url: string): Queue {
  const connection = createRedis('command', url);
  const queue = new Queue('default', { connection, prefix, skipMetasUpdate: true });
  queue.on('error', () => {});
  stack.atTeardown(async () => {
    await queue.close().catch(() => {});
    connection.disconnect();
  });
  return queue;
}

/** Lines of output at a level (the logger writes `<time> <level> [worker] …`). */
function linesAt(proc: Proc, level: string): string[] {
  return proc
    .output()
    .split('\n')
    .filter((l) => new RegExp(`^\\S+ ${level}\\s+\\[worker\\]`).test(l));
}

/** Resolve with the exit code, or fail if the process is still alive after `ms` (the bug this file guards against). */
function exitWithin(proc: Proc, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    proc.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker still running ${ms} ms after SIGTERM; output:\n${proc.output()}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('worker and a Redis outage', () => {
  it('logs the outage once (no stack traces), says when Redis is back, and runs jobs again', async () => {
    const redis = await ownRedis();
    // Debug shows each retry, so the test can wait until several happened.
    const proc = startWorker(redis.url, { CELERITY_LOG_LEVEL: 'debug' });
    await proc.waitForOutput(/worker ready/);

    await redis.stop();
    await proc.waitForOutput(/warn +\[worker\] Redis unreachable, retrying/);
    // Every connection keeps failing while Redis is away; wait until a good number of failures was seen.
    await waitFor(
      'repeated connection failures',
      () => linesAt(proc, 'debug').filter((l) => l.includes('Redis still unreachable')).length,
      (n) => n >= 5,
    );

    // One warn line for the outage, no "worker error" pair per retry, nothing printed by BullMQ itself.
    // (Its error is whichever connection noticed first: a refused reconnect, a dropped connection, a command given up.)
    expect(linesAt(proc, 'warn')).toEqual([expect.stringMatching(/Redis unreachable, retrying error="/)]);
    expect(proc.output()).not.toMatch(/^Error: connect ECONNREFUSED/m);
    expect(proc.output()).not.toMatch(/^\s+at /m);
    // Every line is one of the logger's (a raw console.error of an Error would be several lines without a time).
    const stray = proc
      .output()
      .split('\n')
      .filter((l) => l && !/^\S+Z (debug|info |warn |error) \[worker\] /.test(l));
    expect(stray).toEqual([]);

    // Same port again: the worker reconnects on its own.
    await ownRedis({ port: redis.port, dir: redis.dir });
    await proc.waitForOutput(/info +\[worker\] Redis back downMs=\d+ failures=\d+/);
    const queue = queueOn(redis.url);
    const job = await queue.add('hello', {});
    await waitFor(
      'the hello job to complete',
      () => queue.getJobState(job.id!),
      (s) => s === 'completed',
    );
    expect((await queue.getJob(job.id!))?.returnvalue).toBe('hello world');
    expect(linesAt(proc, 'warn').filter((l) => l.includes('unreachable'))).toHaveLength(1);

    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 20_000)).toBe(0);
  });

  it('exits on SIGTERM while Redis is gone, and says why (no job running: exit 0)', async () => {
    const redis = await ownRedis();
    const proc = startWorker(redis.url, { CELERITY_SHUTDOWN_TIMEOUT_MS: '3000' });
    await proc.waitForOutput(/worker ready/);
    await redis.stop();
    // The worker has seen Redis go.
    await proc.waitForOutput(/Redis unreachable, retrying/);

    proc.child.kill('SIGTERM');
    // Generous: the point is that it exits at all (it used to wait for Redis forever).
    expect(await exitWithin(proc, 20_000)).toBe(0);
    const out = proc.output();
    expect(out).toMatch(/warn +\[worker\] Redis is unreachable: closing without it running=0/);
    expect(out).toMatch(/Redis unreachable: heartbeat not cleared; it expires on its own expiresInMs=600/);
    expect(out).toMatch(/info +\[worker\] worker stopped id="[^"]+" processed=0 failed=0 clean=true/);
    expect(out).not.toMatch(/shutdown did not finish in time/);
  });

  it('exits on SIGTERM while still starting against a Redis that does not answer, within the shutdown deadline', async () => {
    // Nobody listens on this port: start-up waits for Redis, and a SIGTERM must not wait with it.
    const port = await freePort();
    const proc = startWorker(`redis://127.0.0.1:${port}`, { CELERITY_SHUTDOWN_TIMEOUT_MS: '500' });
    await proc.waitForOutput(/ECONNREFUSED/);
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 20_000)).toBe(1);
    expect(proc.output()).toContain(`shutdown did not finish in time: exiting (is Redis reachable?) deadlineMs=${stopDeadlineMs(500)} starting=true`);
  });

  it('with a job running when Redis dies: waits out the timeout, then exits 1 naming the job left active for stall detection', async () => {
    // AOF, so the job is still there when Redis comes back and the test can look at it.
    const redis = await ownRedis({ appendonly: true });
    const proc = startWorker(redis.url, { CELERITY_SHUTDOWN_TIMEOUT_MS: '1000' });
    await proc.waitForOutput(/worker ready/);
    const queue = queueOn(redis.url);
    const job = await queue.add('sleep', { ms: 60_000 });
    await waitFor(
      'the sleep job to be active',
      () => queue.getJobState(job.id!),
      (s) => s === 'active',
    );

    await redis.stop();
    // The worker has seen Redis go.
    await proc.waitForOutput(/Redis unreachable, retrying/);
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 20_000)).toBe(1);
    const out = proc.output();
    expect(out).toMatch(/Redis is unreachable: running jobs may finish, but their results are recorded only if Redis is back before the timeout running=1/);
    expect(out).toMatch(/shutdown timeout: handing running jobs back to their queues running=1/);
    expect(out).toContain(`jobs left active: their outcome could not be written to Redis; stall detection will run them again jobs=["default/${job.id}"]`);
    expect(out).toMatch(/worker stopped id="[^"]+" processed=0 failed=0 clean=false/);
    expect(out).toMatch(/error +\[worker\] exiting with code 1: jobs left active in Redis jobs=1/);
    expect(out).not.toMatch(/shutdown did not finish in time/);

    // Not failed, not lost: still active, which is what stall detection recovers.
    await ownRedis({ port: redis.port, dir: redis.dir, appendonly: true });
    const back = queueOn(redis.url);
    expect(await back.getJobState(job.id!)).toBe('active');
    expect((await back.getJob(job.id!))?.failedReason ?? '').toBe('');
  });
});
