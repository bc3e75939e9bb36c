import { describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { runTs, streamEvents, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { startTcpProxy } from './fixtures/tcp-proxy';
import { DEMO_WORKER_ENTRY } from '../scripts/demo-worker';
import { CHAOS_QUEUE } from '../chaos/chaos-tasks';

/**
 * A worker cut off from Redis (through a TCP proxy the test freezes or drops)
 * must not run a job at the same time as the worker that takes it over: its
 * handler's signal aborts ("lock lost") before the job can change hands —
 * by lock expiry when Redis still sees its connections (frozen), by the
 * dead-worker recovery when it does not (dropped). A handler that ignores its
 * signal runs on: the overlap is then that handler's own remaining time.
 * Times come from the handlers' own lines (`CHAOS start|end|abort <job> <pid> <ms>`), one clock.
 */
const stack = queueStack();
const queue = stack.queue(CHAOS_QUEUE);
const LOCK = { CELERITY_STALLED_INTERVAL_MS: '1000', CELERITY_HEARTBEAT_MS: '1000' };

function chaosWorker(redisUrl: string, lockMs: number): Proc {
  const proc = runTs(DEMO_WORKER_ENTRY, ['worker', '-A', 'chaos/chaos-tasks.ts'], {
    REDIS_URL: redisUrl,
    CELERITY_PREFIX: stack.prefix,
    CELERITY_LOG_LEVEL: 'info',
    ...LOCK,
    CELERITY_LOCK_DURATION_MS: String(lockMs),
  });
  stack.atTeardown(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

/** The time of a handler's line for `jobId` in a process's output. */
async function lineTime(proc: Proc, what: 'start' | 'end' | 'abort', jobId: string, timeoutMs = 25_000): Promise<{ at: number; line: string }> {
  const line = await proc.waitForOutput(new RegExp(`CHAOS ${what} ${jobId} \\d+ \\d+[^\\n]*`), timeoutMs);
  return { at: Number(line.split(' ')[4]), line };
}

/**
 * Worker A (through a proxy) runs a job; worker B (direct) is ready to take it over. `lockMs`: a short lock
 * lets stall detection take the job over; a long one leaves it to the dead-worker recovery.
 */
async function jobOnProxiedWorker(args: { ms: number; ignoreSignal?: boolean }, lockMs: number) {
  const proxy = await startTcpProxy(Number(new URL(env().REDIS_URL!).port));
  stack.atTeardown(() => proxy.close());
  const a = chaosWorker(proxy.url, lockMs);
  await a.waitForOutput(/worker ready/);
  const job = await queue.add('chaos.work', args);
  await lineTime(a, 'start', job.id!);
  const b = chaosWorker(env().REDIS_URL!, lockMs);
  await b.waitForOutput(/worker ready/);
  return { proxy, a, b, jobId: job.id! };
}

describe('a worker cut off from Redis', () => {
  it('frozen (its connections still listed): its handler is aborted before the lock expires and another worker takes the job', async () => {
    const { proxy, a, b, jobId } = await jobOnProxiedWorker({ ms: 60_000 }, 4000);
    proxy.freeze();
    const aborted = await lineTime(a, 'abort', jobId);
    const taken = await lineTime(b, 'start', jobId);
    expect(aborted.line).toMatch(/lock_lost/);
    expect(aborted.at).toBeLessThan(taken.at);
  });

  it('dropped (its connections gone): its handler is aborted before the dead-worker recovery hands the job on', async () => {
    const { proxy, a, b, jobId } = await jobOnProxiedWorker({ ms: 60_000 }, 20_000);
    await proxy.drop();
    const aborted = await lineTime(a, 'abort', jobId);
    const taken = await lineTime(b, 'start', jobId);
    expect(aborted.line).toMatch(/lock_lost/);
    expect(aborted.at).toBeLessThan(taken.at);
    // Handed on by the dead-worker recovery (BullMQ's move back to waiting), not by stall detection.
    const events = (await streamEvents(stack.redis, CHAOS_QUEUE)).filter((e) => e.jobId === jobId).map((e) => e.event);
    expect(events).not.toContain('stalled');
  });

  it('a handler that ignores its signal runs on beside the new one: the overlap is its own remaining time', async () => {
    const { proxy, a, b, jobId } = await jobOnProxiedWorker({ ms: 15_000, ignoreSignal: true }, 20_000);
    const started = Number(/CHAOS start \S+ \d+ (\d+)/.exec(a.output())![1]);
    await proxy.drop();
    await a.waitForOutput(new RegExp(`lock lost: handler aborted[^\\n]*jobId="${jobId}"`));
    const taken = await lineTime(b, 'start', jobId);
    const ended = await lineTime(a, 'end', jobId);
    // Both ran at once from B's start to A's end, which came when A's handler was done, not later.
    expect(taken.at).toBeLessThan(ended.at);
    expect(ended.at - started).toBeLessThan(15_000 + 1000);
  }, 60_000);
});
