import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { bullKey } from '../keys';
import { enterThrottle, type ThrottleEntry } from './job-throttle';
import { admit, gateKeys, release } from './throttle-gate';
import { uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';

/**
 * A freed concurrency slot wakes the jobs waiting for it (waiter-wake.ts), on real Redis and BullMQ: the
 * waiters sit in the delayed set for a minute, so only the wake can bring them back within the test.
 */
const stack = queueStack();
const { redis } = stack;
const LONG_MS = 60_000;
const global1 = { concurrencyRetryMs: 250, global: 1 };

/** Job `a` running (admitted, its lock held), and `waiters` delayed for a minute after the gate refused them a slot. */
async function saturated(waiters: number): Promise<{ name: string; running: Job; waiting: Job[]; entry: ThrottleEntry }> {
  const name = uniqueName('wake');
  const queue = stack.queue(name);
  const running = await queue.add('t', {});
  await redis.set(bullKey(name, `${running.id}:lock`), 'token', 'PX', 30_000);
  const entry = await enterThrottle(redis, name, running, 'token', { concurrency: { global: 1 } }, {});
  expect(entry.held).toBe(false);
  const waiting = await Promise.all(Array.from({ length: waiters }, () => queue.add('t', {}, { delay: LONG_MS })));
  for (const job of waiting) expect(await admit(redis, name, job.id!, gateKeys(name, 't', job.id!), global1)).toMatchObject({ admitted: false });
  return { name, running, waiting, entry };
}

describe('waking concurrency waiters', () => {
  it('the release of a running job promotes the first job waiting for its slot, and only as many as slots are free', async () => {
    const { waiting, entry } = await saturated(2);
    if (!entry.held) await entry.release();
    await waitFor(
      'the first waiter promoted',
      () => waiting[0]!.getState(),
      (s) => s === 'waiting',
    );
    expect(await waiting[1]!.getState()).toBe('delayed');
  });

  it('the gate names no one while the slots are still taken', async () => {
    const { name, running, waiting } = await saturated(1);
    const other = stack.queue(name);
    const second = await other.add('t', {});
    await redis.set(bullKey(name, `${second.id}:lock`), 'token', 'PX', 30_000);
    // Two running (one over the limit, as when a limit was lowered live): one ending frees no slot.
    await redis.zadd(gateKeys(name, 't', '').running, Date.now(), running.id!, Date.now(), second.id!);
    expect(await release(redis, running.id!, gateKeys(name, 't', running.id!), global1)).toEqual([]);
    expect(await release(redis, second.id!, gateKeys(name, 't', second.id!), global1)).toEqual([waiting[0]!.id]);
  });
});
