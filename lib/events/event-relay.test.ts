import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createRegistry } from '../registry/task-registry';
import { add, hello } from '../../worker/tasks/demo-tasks';
import { countsOf, maxInWindow, uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';
import { EventRelay, type RelayOptions, type RelaySink } from './event-relay';
import { rooms, type ServerToClient } from './contract';

/**
 * The relay against real BullMQ event streams. The sink is an in-memory stand-in
 * for Socket.IO (the relay's other side), not a mock of Redis: it records every
 * frame with the time it was emitted and claims watchers for chosen rooms.
 */
type Frame = { at: number; room: string | null; event: keyof ServerToClient; payload: unknown };

function recordingSink(watched: Set<string>): RelaySink & { frames: Frame[] } {
  const frames: Frame[] = [];
  return {
    frames,
    emit(room, event, payload) {
      frames.push({ at: Date.now(), room, event, payload });
    },
    roomSize: (room) => (watched.has(room) ? 1 : 0),
  };
}

type CountsPayload = Parameters<ServerToClient['counts']>[0];
type JobPayload = Parameters<ServerToClient['job']>[0];

const stack = queueStack();
const logger = createLogger('relay', 'error');

/** A started relay, stopped when the test ends. */
function startRelay(sink: RelaySink, options: Partial<RelayOptions> = {}): EventRelay {
  const relay = new EventRelay({ sink, logger, ...options });
  relay.start();
  stack.atTeardown(() => relay.stop());
  return relay;
}

describe('EventRelay', () => {
  it('coalesces a burst of 2,000 jobs into at most 10 dashboard frames a second, ending with the exact counts', async () => {
    const name = uniqueName('burst');
    const q = stack.queue(name);
    await q.add('hello', {}); // the queue exists before the relay starts, so it is discovered at once
    const sink = recordingSink(new Set([rooms.dashboard]));
    const relay = startRelay(sink);
    await waitFor(
      'the first counts frame',
      () => sink.frames.length,
      (n) => n > 0,
    );

    await q.addBulk(Array.from({ length: 2000 }, (_, i) => ({ name: i % 2 ? 'hello' : 'add', data: i % 2 ? {} : { a: i, b: 1 } })));
    // Processing them keeps events flowing for a while: the rate limit has something to limit.
    await stack.worker(createRegistry([hello, add].map((t) => ({ ...t, queue: name }))), { logger });
    await waitFor(
      'all jobs to complete',
      () => q.getJobCounts('completed'),
      (c) => c.completed === 2001,
      25_000,
    );
    const expected = await countsOf(q);
    expect(expected).toMatchObject({ completed: 2001, waiting: 0, active: 0, failed: 0 });

    const countsFrames = () => sink.frames.filter((f) => f.event === 'counts' && f.room === rooms.dashboard);
    // However the reads and frames interleaved, the last word must be the real counts.
    await waitFor(
      'a dashboard frame with the final counts',
      () => (countsFrames().at(-1)?.payload as CountsPayload | undefined)?.queues[name],
      (c) => JSON.stringify(c) === JSON.stringify(expected),
    );
    await relay.stop();

    const frames = countsFrames();
    expect((frames.at(-1)!.payload as CountsPayload).queues[name]).toEqual(expected);
    // At most 10 frames a second: each flush schedules the next one 110 ms after it ends.
    const times = frames.map((f) => f.at);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    // And on average no faster than one frame per 100 ms.
    expect(frames.length).toBeLessThanOrEqual(Math.floor((times.at(-1)! - times[0]!) / 100) + 2);
    // Coalesced: thousands of events, a handful of frames.
    expect(frames.length).toBeLessThan(200);
    // Nobody watches the queue room or any job room: nothing was sent there.
    expect(sink.frames.filter((f) => f.room !== rooms.dashboard && f.room !== null)).toEqual([]);
  });

  it("sends a watched job's room a frame with its completed state and result", async () => {
    const name = uniqueName('watched');
    const q = stack.queue(name);
    await q.add('hello', {}, { jobId: 'warm-up' });
    const jobId = 'job-1';
    const sink = recordingSink(new Set([rooms.job(name, jobId)]));
    startRelay(sink);
    await stack.worker(createRegistry([{ ...add, queue: name }]), { logger, concurrency: 1 });
    // The warm-up job has no worker task (hello is not registered): it fails, which also proves the relay is reading.
    await waitFor(
      'warm-up to fail',
      () => q.getJobState('warm-up'),
      (s) => s === 'failed',
    );

    await q.add('add', { a: 20, b: 22 }, { jobId });
    const jobFrames = () => sink.frames.filter((f) => f.event === 'job' && f.room === rooms.job(name, jobId)).map((f) => f.payload as JobPayload);
    const last = await waitFor(
      'a completed job frame',
      () => jobFrames().at(-1),
      (p) => p?.job?.state === 'completed',
    );
    expect(last).toMatchObject({ v: 1, queue: name, id: jobId });
    expect(last!.job).toMatchObject({ id: jobId, queue: name, name: 'add', state: 'completed', result: 42, args: { a: 20, b: 22 } });
    expect(last!.job!.finishedAt).toBeGreaterThan(0);
    // Only the watched job's room got frames, and no dashboard frames went out (nobody watches it).
    expect(sink.frames.filter((f) => f.event === 'job').every((f) => f.room === rooms.job(name, jobId))).toBe(true);
    expect(sink.frames.filter((f) => f.event === 'counts')).toEqual([]);
  });

  it('discovers a queue created after start and sends its counts', async () => {
    const sink = recordingSink(new Set([rooms.dashboard]));
    startRelay(sink, { discoverMs: 200 });
    const name = uniqueName('late');
    const q = stack.queue(name);
    await q.add('hello', {});
    await q.add('hello', {}, { delay: 60_000 });
    const frame = await waitFor(
      'counts for the new queue',
      () =>
        sink.frames
          .filter((f) => f.event === 'counts')
          .map((f) => (f.payload as CountsPayload).queues[name])
          .find(Boolean),
      (c) => c !== undefined && c.waiting === 1 && c.delayed === 1,
    );
    expect(frame).toEqual(await countsOf(q));
  });
});
