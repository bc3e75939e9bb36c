import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { maxInWindow, uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';
import { rooms, type ServerToClient } from './contract';
import { FrameCoalescer, type DashboardFeed, type RelaySink } from './frame-coalescer';
import type { StreamEntry } from './stream-entries';

/**
 * The coalescer on its own, against real queues in Redis (it reads their
 * counts and jobs). Its sink is an in-memory stand-in for Socket.IO that
 * records each frame with its time; the dashboard feed is a counter.
 */
type Frame = { at: number; room: string | null; event: keyof ServerToClient; payload: unknown };

function recordingSink(watched: string[]): RelaySink & { frames: Frame[] } {
  const frames: Frame[] = [];
  return {
    frames,
    emit: (room, event, payload) => void frames.push({ at: Date.now(), room, event, payload }),
    roomSize: (room) => (watched.includes(room) ? 1 : 0),
    rooms: () => watched,
  };
}

const stack = queueStack();
const logger = createLogger('coalescer', 'error');

async function queueWithJobs(...ids: string[]): Promise<string> {
  const name = uniqueName('frames');
  const q = stack.queue(name);
  for (const id of ids) await q.add('hello', {}, { jobId: id });
  return name;
}

/** A started coalescer, stopped when the test ends. */
function start(sink: RelaySink, options: { dashboard?: DashboardFeed; resyncMinMs?: number; frameMs?: number } = {}): FrameCoalescer {
  const coalescer = new FrameCoalescer({
    sink,
    logger,
    dashboard: options.dashboard ?? { delta: async () => undefined, drop: () => {}, stale: () => {} },
    takeWorkers: () => undefined,
    redisUp: () => true,
    resyncMinMs: options.resyncMinMs,
    frameMs: options.frameMs,
  });
  coalescer.start();
  stack.atTeardown(() => coalescer.stop());
  return coalescer;
}

const entry = (jobId: string): StreamEntry => ['0-1', ['event', 'progress', 'jobId', jobId, 'data', '1']];
const ended = (jobId: string): StreamEntry => ['0-2', ['event', 'completed', 'jobId', jobId, 'returnvalue', '1', 'prev', 'active']];
/** A dashboard feed that counts the flushes made while nobody watches the dashboard (each one drops its figures). */
function flushCounter(): DashboardFeed & { flushes: number } {
  const feed = { flushes: 0, delta: async () => undefined, drop: () => void feed.flushes++, stale: () => {} };
  return feed;
}
/** A frame gap long enough that a frame sent well within it can only be a leading-edge or a job's-end frame. */
const LONG_GAP = 1000;
const inRoom = (sink: { frames: Frame[] }, room: string) => sink.frames.filter((f) => f.room === room);

describe('FrameCoalescer', () => {
  it('changes at 400 a second become at most 10 frames a second per room, each to its own room only', async () => {
    const name = await queueWithJobs('watched', 'other');
    const watched = [rooms.dashboard, rooms.queue(name), rooms.job(name, 'watched')];
    const sink = recordingSink(watched);
    const c = start(sink);
    const startedAt = Date.now();
    let lastTake = startedAt;
    while (Date.now() - startedAt < 2500) {
      lastTake = Date.now();
      c.take(name, [entry('watched'), entry('other')]);
      await new Promise((r) => setTimeout(r, 5));
    }
    // The changes of the last interval still go out: wait for the frame after the last take (taken before the
    // pause after it: a flush within that pause already carries it).
    await waitFor(
      'a frame after the last change',
      () => inRoom(sink, rooms.dashboard).at(-1)?.at ?? 0,
      (t) => t >= lastTake,
    );
    c.stop();

    for (const room of watched) {
      const times = inRoom(sink, room).map((f) => f.at);
      expect(times.length, room).toBeGreaterThanOrEqual(10); // coalesced, not withheld
      expect(maxInWindow(times, 1000), room).toBeLessThanOrEqual(10);
    }
    // Nobody watches the other job: no frame for it, and no frame to any room nobody is in.
    expect(sink.frames.every((f) => f.room !== null && watched.includes(f.room))).toBe(true);
    const jobFrames = inRoom(sink, rooms.job(name, 'watched')).map((f) => f.payload as Parameters<ServerToClient['job']>[0]);
    expect(jobFrames.every((p) => p.id === 'watched' && p.job?.id === 'watched')).toBe(true);
    const queueFrames = inRoom(sink, rooms.queue(name)).map((f) => f.payload as Parameters<ServerToClient['counts']>[0]);
    expect(queueFrames.every((p) => Object.keys(p.queues).join() === name && p.queues[name]!.waiting === 2)).toBe(true);
  });

  it("a stream-caused resync is that interval's only frame, and at most one goes out per resyncMinMs", async () => {
    const name = await queueWithJobs('a');
    const sink = recordingSink([rooms.dashboard]);
    const c = start(sink, { resyncMinMs: 60_000 });
    c.touchQueue(name);
    c.resync('stream-gap');
    c.resync('reader-behind');
    await waitFor(
      'the counts after the resync',
      () => sink.frames.map((f) => f.event),
      (e) => e.includes('counts'),
    );
    // Changes made before the resync wait for the next interval: the resync frame comes first, alone.
    expect(sink.frames.map((f) => [f.room, f.event])).toEqual([
      [null, 'resync'],
      [rooms.dashboard, 'counts'],
    ]);
    expect(sink.frames[0]!.payload).toEqual({ v: 1, reason: 'stream-gap' });
  });

  it('a hot queue is re-read every ~250 ms without events (counts and dashboard lists), until it cools', async () => {
    const [name, other] = [await queueWithJobs('a'), await queueWithJobs('b')];
    const sink = recordingSink([rooms.queue(name), rooms.queue(other)]);
    let stale = 0;
    const c = start(sink, { dashboard: { delta: async () => undefined, drop: () => {}, stale: () => void stale++ } });
    c.setHot(name, true);
    await waitFor(
      'three re-reads of the hot queue',
      () => inRoom(sink, rooms.queue(name)).length,
      (n) => n >= 3,
    );
    expect(stale).toBeGreaterThanOrEqual(3);
    const times = inRoom(sink, rooms.queue(name)).map((f) => f.at);
    // Not at every frame (~110 ms): every ~250 ms (on average, as reads stretch single frames).
    expect((times.at(-1)! - times[0]!) / (times.length - 1)).toBeGreaterThanOrEqual(200);

    c.setHot(name, false);
    const cooled = inRoom(sink, rooms.queue(name)).length;
    // Three more frames of another queue: had the queue stayed hot, it would have been re-read meanwhile.
    for (let i = 1; i <= 3; i++) {
      c.touchQueue(other);
      await waitFor(
        `frame ${i} of the other queue`,
        () => inRoom(sink, rooms.queue(other)).length,
        (n) => n >= i,
      );
    }
    expect(inRoom(sink, rooms.queue(name)).length).toBeLessThanOrEqual(cooled + 1); // at most one flush was under way
  });

  it("a quiet room's first change goes out at once; the rest of the burst waits for the gap and goes out as one frame", async () => {
    const name = await queueWithJobs('a');
    const room = rooms.queue(name);
    const sink = recordingSink([room]);
    const feed = flushCounter();
    const c = start(sink, { frameMs: LONG_GAP, dashboard: feed });
    const changedAt = Date.now();
    c.take(name, [entry('a')]);
    await waitFor(
      'the leading frame',
      () => inRoom(sink, room).length,
      (n) => n === 1,
    );
    const leading = inRoom(sink, room)[0]!.at;
    expect(leading - changedAt).toBeLessThan(LONG_GAP / 2); // not the regular flush, a gap away
    for (let i = 0; i < 10; i++) {
      c.take(name, [entry('a')]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(
      'the frame after the gap',
      () => inRoom(sink, room).length,
      (n) => n === 2,
    );
    expect(inRoom(sink, room)[1]!.at - leading).toBeGreaterThanOrEqual(LONG_GAP);
    // Two more flushes: nothing changed since, so nothing more goes out (the burst was one frame).
    const flushes = feed.flushes;
    await waitFor(
      'two more flushes',
      () => feed.flushes,
      (n) => n >= flushes + 2,
      5000,
    );
    expect(inRoom(sink, room)).toHaveLength(2);
  });

  it("a watched job's end goes out at once, inside the gap of the frame before it, once; later changes wait for the gap", async () => {
    const name = await queueWithJobs('w');
    const room = rooms.job(name, 'w');
    const sink = recordingSink([room]);
    const feed = flushCounter();
    const c = start(sink, { frameMs: LONG_GAP, dashboard: feed });
    c.take(name, [entry('w')]);
    await waitFor(
      'the leading frame',
      () => inRoom(sink, room).length,
      (n) => n === 1,
    );
    const endedAt = Date.now();
    c.take(name, [entry('w'), ended('w')]);
    await waitFor(
      "the job's end",
      () => inRoom(sink, room).length,
      (n) => n === 2,
    );
    const end = inRoom(sink, room)[1]!.at;
    expect(end - endedAt).toBeLessThan(LONG_GAP / 2);
    c.take(name, [entry('w')]);
    c.take(name, [entry('w')]);
    await waitFor(
      'the frame after the gap',
      () => inRoom(sink, room).length,
      (n) => n === 3,
      5000,
    );
    expect(inRoom(sink, room)[2]!.at - end).toBeGreaterThanOrEqual(LONG_GAP);
    const flushes = feed.flushes;
    await waitFor(
      'two more flushes',
      () => feed.flushes,
      (n) => n >= flushes + 2,
      5000,
    );
    expect(inRoom(sink, room)).toHaveLength(3);
  });

  it("a job's end skips the gap but not the limit: at most 9 frames a second per room", async () => {
    const name = await queueWithJobs('w');
    const room = rooms.job(name, 'w');
    const sink = recordingSink([room]);
    const c = start(sink, { frameMs: LONG_GAP });
    const startedAt = Date.now();
    while (Date.now() - startedAt < 2000) {
      c.take(name, [ended('w')]);
      await new Promise((r) => setTimeout(r, 10));
    }
    const times = inRoom(sink, room).map((f) => f.at);
    expect(times.length).toBeGreaterThanOrEqual(10); // far more than one per gap: the ends skipped it
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(9);
  });
});
