import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { rooms, type CountsFrame, type ResyncFrame } from '../lib/events/contract';
import { compareIds } from '../lib/events/event-relay';
import { countsOf, uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { connectClient, startLiveConsole, type LiveClient, type LiveConsole } from './live-harness';

/**
 * When the relay cannot have seen every event (the stream outran it, or was
 * trimmed past its position), pages are told to resync, and the frames that
 * follow still carry the exact counts.
 */
const stack = queueStack();
const { prefix, redis } = stack;

let live: LiveConsole | undefined;

/** A queue with a job, a console that reads its stream, and a client in the dashboard room; all closed when the test ends. */
async function setUp(relay: Parameters<typeof startLiveConsole>[0]): Promise<{ q: Queue; name: string; client: LiveClient }> {
  const name = uniqueName('gap');
  const q = stack.queue(name);
  await q.add('hello', {});
  live = stack.closing(await startLiveConsole({ discoverMs: 200, resyncMinMs: 0, ...relay }));
  await waitFor('the relay to read the queue', () => live!.relay.positions().has(name), Boolean);
  const client = stack.closing(await connectClient(live.url));
  await client.join(rooms.dashboard);
  return { q, name, client };
}

const resyncs = (c: LiveClient) => c.received.filter((r) => r.event === 'resync').map((r) => (r.payload as ResyncFrame).reason);
const lastCounts = (c: LiveClient, name: string) =>
  c.received
    .filter((r) => r.event === 'counts')
    .map((r) => (r.payload as CountsFrame).queues[name])
    .filter(Boolean)
    .at(-1);

describe('gaps in the event stream', () => {
  it('a stream that outruns the reader (full batches): resync, and the counts stay exact', async () => {
    const { q, name, client } = await setUp({ readCount: 50 });
    await q.addBulk(Array.from({ length: 500 }, () => ({ name: 'hello', data: {} })));
    await waitFor(
      'a resync',
      () => resyncs(client),
      (r) => r.includes('reader-behind'),
    );
    const expected = await countsOf(q);
    expect(expected.waiting).toBe(501);
    await waitFor(
      'the exact counts after it',
      () => lastCounts(client, name),
      (c) => JSON.stringify(c) === JSON.stringify(expected),
    );
  });

  it('a position trimmed from the stream before it was read: resync (stream-gap)', async () => {
    // After each non-empty read the relay waits 2 s: the trim below happens inside that pause.
    const { q, name, client } = await setUp({ readPaceMs: 2000 });
    const before = live!.relay.positions().get(name)!;
    await q.add('hello', {});
    await waitFor(
      'the relay to read the new job',
      () => live!.relay.positions().get(name)!,
      (id) => compareIds(id, before) > 0,
    );
    await q.addBulk(Array.from({ length: 100 }, () => ({ name: 'hello', data: {} })));
    await redis.xtrim(`${prefix}:${name}:events`, 'MAXLEN', 10);
    await waitFor(
      'a resync for the gap',
      () => resyncs(client),
      (r) => r.includes('stream-gap'),
      10_000,
    );
    const expected = await countsOf(q);
    await waitFor(
      'the exact counts after it',
      () => lastCounts(client, name),
      (c) => JSON.stringify(c) === JSON.stringify(expected),
    );
    expect(expected.waiting).toBe(102);
  });
});
