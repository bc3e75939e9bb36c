import { describe, expect, it } from 'vitest';
import { env } from '../lib/env';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/registry/task-registry';
import { rooms, type CountsFrame, type JobFrame, type WorkersFrame } from '../lib/events/contract';
import { add } from '../worker/tasks/demo-tasks';
import { runTs, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { connectClient, type LiveClient } from './live-harness';

/**
 * Two console processes on one Redis (each with its own relay and Socket.IO
 * server, as two `server.ts` would have): both deliver the same live data.
 */
const stack = queueStack();
const { prefix } = stack;
const logger = createLogger('live-consoles', 'error');

/** A console process (test/fixtures/live-console.ts) on this file's Redis; stopped with SIGTERM, as a deployment would. */
async function startConsole(): Promise<{ url: string }> {
  const proc = runTs('test/fixtures/live-console.ts', [], { REDIS_URL: env().REDIS_URL!, CELERITY_PREFIX: prefix });
  stack.atTeardown(async () => {
    proc.child.kill('SIGTERM');
    await proc.exited;
  });
  const line = await proc.waitForOutput(/LIVE_READY (\S+)/);
  return { url: line.split(' ')[1]! };
}

describe('two consoles on one Redis', () => {
  it("both deliver a job's completion, the same counts, and a worker of another host", async () => {
    const name = uniqueName('two');
    const queue = stack.queue(name);
    await queue.add('add', { a: 0, b: 0 }, { jobId: 'probe-0' });
    const consoles = await Promise.all([startConsole(), startConsole()]);
    const clients: LiveClient[] = [];
    for (const c of consoles) {
      const client = stack.closing(await connectClient(c.url));
      clients.push(client);
      await client.join(rooms.dashboard);
      await client.join(rooms.workers);
      await client.join(rooms.job(name, 'j1'));
    }
    // Both relays read the queue's stream: a probe job shows up in both dashboards' counts.
    await queue.add('add', { a: 0, b: 0 }, { jobId: 'probe-1' });
    const counts = (c: LiveClient) =>
      c.received
        .filter((r) => r.event === 'counts')
        .map((r) => (r.payload as CountsFrame).queues[name])
        .filter(Boolean);
    for (const c of clients)
      await waitFor(
        'counts of the queue on each console',
        () => counts(c).at(-1)?.waiting,
        (n) => n === 2,
      );

    const worker = await stack.worker(createRegistry([{ ...add, queue: name }]), { logger, concurrency: 2, hostname: 'other-host', heartbeatMs: 500 });
    await queue.add('add', { a: 20, b: 22 }, { jobId: 'j1' });
    for (const c of clients) {
      const frame = await waitFor(
        'the completion on each console',
        () =>
          c.received
            .filter((r) => r.event === 'job')
            .map((r) => r.payload as JobFrame)
            .at(-1),
        (f) => f?.job?.state === 'completed',
      );
      expect(frame).toMatchObject({ queue: name, id: 'j1', job: { state: 'completed', result: 42 } });
      await waitFor(
        'the final counts on each console',
        () => counts(c).at(-1),
        (k) => k?.completed === 3 && k.waiting === 0 && k.active === 0,
      );
      const seen = await waitFor(
        'the worker of the other host on each console',
        () =>
          c.received
            .filter((r) => r.event === 'workers')
            .map((r) => r.payload as WorkersFrame)
            .at(-1),
        (f) => Boolean(f?.alive.some((w) => w.id === worker.id)),
      );
      expect(seen!.alive.find((w) => w.id === worker.id)).toMatchObject({ host: 'other-host', queues: [name], state: 'running' });
    }
  });
});
