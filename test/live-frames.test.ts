import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/registry/task-registry';
import { rooms, type CountsFrame, type JobFrame } from '../lib/events/contract';
import { hello, sleep } from '../worker/tasks/demo-tasks';
import { countsOf, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { connectClient, startLiveConsole, type LiveClient, type LiveConsole } from './live-harness';
import { maxInWindow } from './helpers';

/**
 * The live pipeline end to end, minus the browser: real BullMQ streams, the
 * relay, a real Socket.IO server and real socket.io-client clients.
 */
const stack = queueStack();
const { prefix, redis } = stack;
const logger = createLogger('live-frames', 'error');

let live: LiveConsole | undefined;

/** A queue that exists (a first job), a console that reads its stream, and a client in `rooms`; all closed when the test ends. */
async function setUp(name: string, joinRooms: string[]): Promise<{ q: Queue; client: LiveClient }> {
  const q = stack.queue(name);
  await q.add('hello', {}, { jobId: 'first' });
  live = stack.closing(await startLiveConsole({ discoverMs: 200 }));
  await waitFor('the relay to read the new queue', () => live!.relay.positions().has(name), Boolean);
  const client = stack.closing(await connectClient(live.url));
  for (const r of joinRooms) await client.join(r);
  return { q, client };
}

describe('live frames through Socket.IO', () => {
  it('5,000 events in one second reach a dashboard client as at most 10 frames a second, with exact final counts and throughput', async () => {
    const name = uniqueName('burst');
    const { q, client } = await setUp(name, [rooms.dashboard]);
    const joinedAt = Date.now();

    await q.addBulk(Array.from({ length: 5000 }, () => ({ name: 'hello', data: {} })));
    // The burst really was 5,000+ events within one second of the stream.
    const entries = await redis.xrange(`${prefix}:${name}:events`, joinedAt, '+');
    const firstMs = Number(entries[0]![0].split('-')[0]);
    const inFirstSecond = entries.filter(([id]) => Number(id.split('-')[0]) < firstMs + 1000).length;
    expect(inFirstSecond).toBeGreaterThanOrEqual(5000);

    // The relay must watch the queue (discovered, metrics baseline read) before any job completes:
    // throughput counts what completes while watched, and the test sums it to exactly 5,001.
    const countsFrames = () => client.received.filter((r) => r.event === 'counts').map((r) => r.payload as CountsFrame);
    await waitFor('the queue in a dashboard frame', () => countsFrames().some((f) => (f.queues[name]?.waiting ?? 0) >= 5000), Boolean);
    const watchedFrom = live!.relay.throughput().upTo;
    await waitFor(
      'a throughput second recorded since',
      () => live!.relay.throughput().upTo,
      (t) => t >= watchedFrom + 1000,
    );

    // Then a worker runs them all: thousands more events (active, completed) while the client watches.
    await stack.worker(createRegistry([{ ...hello, queue: name }]), { logger, concurrency: 50 });
    await waitFor(
      'all 5,001 jobs to complete',
      () => q.getJobCounts('completed'),
      (c) => c.completed === 5001,
      30_000,
    );
    const expected = await countsOf(q);

    const frames = () => client.received.filter((r) => r.event === 'counts').map((r) => r.payload as CountsFrame);
    await waitFor(
      'a frame with the final counts',
      () =>
        frames()
          .filter((f) => f.queues[name])
          .at(-1)?.queues[name],
      (c) => JSON.stringify(c) === JSON.stringify(expected),
    );
    // Throughput comes as per-second points, each second sent once: their sum is every job completed while watching.
    const throughput = () => frames().flatMap((f) => f.dashboard?.throughput ?? []);
    const sum = () => throughput().reduce((n, p) => n + p.completed, 0);
    await waitFor('the throughput seconds to add up to 5,001', sum, (n) => n >= 5001);
    const upTo = live!.relay.throughput().upTo;
    await waitFor(
      'two more seconds recorded',
      () => live!.relay.throughput().upTo,
      (t) => t >= upTo + 2000,
    );
    expect(sum()).toBe(5001);
    expect(new Set(throughput().map((p) => p.t)).size).toBe(throughput().length);

    // Every event the client got after joining (counts frames, and a resync if the burst outran the reader): ≤ 10 in any second.
    const times = client.received.filter((r) => r.at >= joinedAt && r.event !== 'status').map((r) => r.at);
    expect(times.length).toBeGreaterThan(3);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    // Coalesced: ~15,000 events, a few dozen frames.
    expect(times.length).toBeLessThan(200);
    // Only the dashboard's own frames: no job frames (nobody watches a job).
    expect(client.received.filter((r) => r.event === 'job')).toEqual([]);
  });

  it("sends a job's frames only to the clients watching that job", async () => {
    const name = uniqueName('jobroom');
    const { q, client: watcher } = await setUp(name, []);
    const bystander = stack.closing(await connectClient(live!.url));
    await bystander.join(rooms.dashboard);
    await watcher.join(rooms.job(name, 'watched'));
    await stack.worker(
      createRegistry([
        { ...sleep, queue: name },
        { ...hello, queue: name },
      ]),
      { logger, concurrency: 2 },
    );
    await q.add('sleep', { ms: 200 }, { jobId: 'watched' });
    await q.add('sleep', { ms: 200 }, { jobId: 'other' });
    const jobFrames = () => watcher.received.filter((r) => r.event === 'job').map((r) => r.payload as JobFrame);
    await waitFor(
      'the watched job to be shown completed',
      () => jobFrames().at(-1)?.job?.state,
      (s) => s === 'completed',
    );
    await waitFor(
      'the other job to complete',
      () => q.getJobState('other'),
      (s) => s === 'completed',
    );
    expect(jobFrames().every((f) => f.id === 'watched' && f.queue === name)).toBe(true);
    expect(bystander.received.filter((r) => r.event === 'job')).toEqual([]);
  });
});
