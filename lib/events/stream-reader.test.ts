import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../redis';
import { createLogger } from '../logger';
import { uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';
import type { StreamEntry } from './stream-entries';
import { StreamReader, type StreamSink } from './stream-reader';

/**
 * The reader against real Redis streams (written with XADD, shaped like
 * BullMQ's events). Its sink is an in-memory recorder: what the reader
 * reports is all the rest of the relay ever learns from the streams.
 */
const { prefix, redis, atTeardown } = queueStack();
const logger = createLogger('stream-reader', 'error');

type Report =
  | { kind: 'entries'; queue: string; ids: string[] }
  | { kind: 'missed'; queue: string }
  | { kind: 'resync'; reason: string }
  | { kind: 'hot'; queue: string; hot: boolean };

function recordingSink(): StreamSink & { reports: Report[] } {
  const reports: Report[] = [];
  return {
    reports,
    entries: (queue, entries: StreamEntry[]) => void reports.push({ kind: 'entries', queue, ids: entries.map(([id]) => id) }),
    missed: (queue) => void reports.push({ kind: 'missed', queue }),
    resync: (reason) => void reports.push({ kind: 'resync', reason }),
    hot: (queue, hot) => void reports.push({ kind: 'hot', queue, hot }),
  };
}

/** A reader on its own blocking connection, stopped when the test ends. */
function startReader(sink: StreamSink, options: { readCount?: number; readPaceMs?: number; hotMs?: number } = {}): StreamReader {
  const reader = new StreamReader({ connection: createRedis('blocking') as Redis, commands: redis as Redis, prefix, sink, logger, ...options });
  atTeardown(() => reader.stop());
  return reader;
}

const streamKey = (queue: string) => `${prefix}:${queue}:events`;
const addEvent = (queue: string, jobId: string) => redis.xadd(streamKey(queue), '*', 'event', 'waiting', 'jobId', jobId) as Promise<string>;
const read = (sink: { reports: Report[] }) => sink.reports.filter((r) => r.kind === 'entries').flatMap((r) => r.ids);
const resyncs = (sink: { reports: Report[] }) => sink.reports.filter((r) => r.kind === 'resync').map((r) => r.reason);

describe('StreamReader', () => {
  it('reads a covered stream from its end as of cover(): older entries are not replayed', async () => {
    const queue = uniqueName('cover');
    await addEvent(queue, 'old');
    const sink = recordingSink();
    const reader = startReader(sink);
    expect(await reader.cover([queue])).toEqual({ added: [queue], removed: [] });
    reader.start();
    const id = await addEvent(queue, 'new');
    await waitFor(
      'the new entry',
      () => read(sink),
      (ids) => ids.includes(id),
    );
    expect(read(sink)).toEqual([id]);
    expect(reader.positions().get(queue)).toBe(id);
    expect(resyncs(sink)).toEqual([]);
  });

  it('a position trimmed from the stream before it was read past: the queue is reported missed and a stream-gap resync asked', async () => {
    const queue = uniqueName('trim');
    await addEvent(queue, 'first');
    const sink = recordingSink();
    // After each non-empty read the reader pauses 1.5 s: the trim below happens inside that pause.
    const reader = startReader(sink, { readPaceMs: 1500 });
    await reader.cover([queue]);
    reader.start();
    const seen = await addEvent(queue, 'seen');
    await waitFor(
      'the entry to be read',
      () => read(sink),
      (ids) => ids.includes(seen),
    );
    // Atomically (MULTI): the reader cannot read any of them before the trim.
    const multi = redis.multi();
    for (let i = 0; i < 100; i++) multi.xadd(streamKey(queue), '*', 'event', 'waiting', 'jobId', `lost-${i}`);
    await multi.xtrim(streamKey(queue), 'MAXLEN', 10).exec();
    await waitFor(
      'a stream-gap resync',
      () => resyncs(sink),
      (r) => r.includes('stream-gap'),
      10_000,
    );
    expect(sink.reports).toContainEqual({ kind: 'missed', queue });
    // Reading goes on after the gap: the 10 entries left were read, and the cursor is at the stream's end.
    const last = (await redis.xrevrange(streamKey(queue), '+', '-', 'COUNT', 1))[0]![0];
    await waitFor(
      'the cursor at the end',
      () => reader.positions().get(queue),
      (p) => p === last,
    );
    expect(read(sink)).toHaveLength(1 + 10);
  });

  it('a stream that outruns the reader (a full batch): hot for hotMs, a reader-behind resync, then read again from its end', async () => {
    const queue = uniqueName('hot');
    await addEvent(queue, 'first');
    const sink = recordingSink();
    const reader = startReader(sink, { readCount: 50, hotMs: 300 });
    await reader.cover([queue]);
    reader.start();
    // Atomically (MULTI): the reader's first read of them is a full batch.
    const multi = redis.multi();
    for (let i = 0; i < 200; i++) multi.xadd(streamKey(queue), '*', 'event', 'waiting', 'jobId', `flood-${i}`);
    await multi.exec();
    await waitFor(
      'the queue to cool down',
      () => sink.reports,
      (r) => r.some((x) => x.kind === 'hot' && !x.hot),
    );
    const kinds = sink.reports.map((r) => (r.kind === 'hot' ? `hot:${r.hot}` : r.kind));
    // One full batch read, then no more entries from the flood: its state is re-read instead (missed).
    expect(kinds.slice(0, 5)).toEqual(['entries', 'hot:true', 'resync', 'hot:false', 'missed']);
    expect(read(sink)).toHaveLength(50);
    expect(resyncs(sink)).toEqual(['reader-behind']);
    const after = await addEvent(queue, 'after');
    await waitFor(
      'the entry after the flood',
      () => read(sink),
      (ids) => ids.includes(after),
    );
    expect(read(sink).slice(50)).toEqual([after]);
  });

  it('several readers feed one sink, each with its own streams; a queue no longer covered is not read', async () => {
    const [a, b] = [uniqueName('a'), uniqueName('b')];
    await Promise.all([addEvent(a, 'x'), addEvent(b, 'x')]);
    const sink = recordingSink();
    const readerA = startReader(sink);
    const readerB = startReader(sink);
    await readerA.cover([a]);
    await readerB.cover([b]);
    readerA.start();
    readerB.start();
    // Ids are per stream (two streams can both have 1700000000000-0): entries are told apart by queue.
    const readFrom = (queue: string) =>
      sink.reports.filter((r) => r.kind === 'entries' && r.queue === queue).flatMap((r) => (r.kind === 'entries' ? r.ids : []));
    const [ida, idb] = [await addEvent(a, 'a1'), await addEvent(b, 'b1')];
    await waitFor(
      'both entries',
      () => [readFrom(a), readFrom(b)],
      ([ra, rb]) => ra!.includes(ida) && rb!.includes(idb),
    );
    expect([...readerA.positions().keys()]).toEqual([a]);
    expect([...readerB.positions().keys()]).toEqual([b]);

    expect(await readerA.cover([])).toEqual({ added: [], removed: [a] });
    await addEvent(a, 'a2');
    const lastB = await addEvent(b, 'b2');
    // b's entry added after a's is read: had a still been read, its entry would be there by then.
    await waitFor(
      'the later entry of b',
      () => readFrom(b),
      (ids) => ids.includes(lastB),
    );
    expect(readFrom(a)).toEqual([ida]);
  });
});
