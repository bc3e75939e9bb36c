import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { env } from '@/lib/env';
import { runTs, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * `isolation: 'process'` (issue 16): each attempt runs in a child process of
 * the worker, which kills it at the hard time limit — a handler that blocks its
 * event loop ends too. The worker is a real `celerity worker -A
 * test/fixtures/isolated-tasks.ts` process; the tasks run on a queue of this test's own.
 */
const stack = queueStack();

function startWorker(queue: string) {
  const proc = runTs('cli/celerity.ts', ['worker', '-A', 'test/fixtures/isolated-tasks.ts'], {
    REDIS_URL: env().REDIS_URL!,
    CELERITY_PREFIX: stack.prefix,
    CELERITY_LOG_LEVEL: 'info',
    CELERITY_HEARTBEAT_MS: '200',
    TEST_QUEUE: queue,
  });
  stack.atTeardown(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

const finished = (q: Queue, id: string) =>
  waitFor(
    `job ${id} to finish`,
    () => q.getJobState(id),
    (s) => s === 'completed' || s === 'failed',
    30_000,
  );

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process isolation', () => {
  it(
    'a hard limit ends a handler that blocks its event loop; the soft limit reaches an isolated handler; retryOn holds; start-up is not charged to the limit',
    { timeout: 90_000 },
    async () => {
      const name = uniqueName('isolated');
      const queue = stack.queue(name);
      const worker = startWorker(name);

      const spin = await queue.add('spin', {});
      const { pid } = await waitFor(
        'the spinning child to report its pid',
        async () => (await queue.getJob(spin.id!))!.progress as { pid?: number },
        (p) => typeof p?.pid === 'number',
        30_000,
      );
      expect(pid).not.toBe(worker.child.pid);
      expect(await finished(queue, spin.id!)).toBe('failed');
      expect((await queue.getJob(spin.id!))!.failedReason).toBe('time limit exceeded (hard limit, 1000 ms)');
      await waitFor(
        'the spinning child to be gone',
        () => alive(pid!),
        (a) => !a,
      );

      // The worker itself was never blocked: it runs the next jobs.
      const polite = await queue.add('polite', { n: 7 });
      const broken = await queue.add('broken', {});
      expect(await finished(queue, polite.id!)).toBe('completed');
      const done = (await queue.getJob(polite.id!))!;
      expect(done.returnvalue).toMatchObject({ n: 7, reason: 'TimeLimitExceeded', kind: 'soft' });
      expect(done.returnvalue.pid).not.toBe(worker.child.pid);
      expect(done.progress).toBe(50);
      expect(await finished(queue, broken.id!)).toBe('failed');
      const failed = (await queue.getJob(broken.id!))!;
      expect(failed.failedReason).toBe('a bug');
      expect(failed.attemptsMade).toBe(1);

      // The child's start-up is not the handler's time: a 100 ms hard limit holds for the handler, not for Node and
      // the tasks module loading (which take longer than that; charged to the limit, every attempt would fail).
      const quick = await queue.add('quick', {});
      expect(await finished(queue, quick.id!)).toBe('completed');
      expect((await queue.getJob(quick.id!))!.returnvalue.pid).not.toBe(worker.child.pid);
    },
  );
});
