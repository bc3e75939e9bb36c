import { describe, expect, it } from 'vitest';
import msgpack from 'notepack.io';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/registry/task-registry';
import { rooms } from '../lib/events/contract';
import { liveFanoutNames } from '../lib/events/socket-rooms';
import { createRedis } from '../lib/redis';
import { add } from '../worker/tasks/demo-tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { startSharedLiveConsole } from './live-harness';
import {
  countsOf,
  firstFrameAfterMarks,
  frameClient,
  lastJobFrame,
  relayedFrames,
  startLiveConsole,
  type FrameClient,
  type LiveConsole,
} from './fixtures/console-clients';

/**
 * Several consoles sharing the live work (server.ts's wiring): the relay runs
 * on the lease's leader only; its frames reach every console's clients through
 * the Redis pub/sub adapter, each frame once; when the leader stops (SIGTERM)
 * or dies (kill -9), another console takes over and the clients keep getting frames.
 */
const stack = queueStack();
const { prefix } = stack;
const logger = createLogger('live-consoles-shared', 'error');
const TTL_MS = 1_500;

type Console = LiveConsole;
type Client = FrameClient;
const startConsole = () => startLiveConsole(stack, TTL_MS);
const client = (url: string) => frameClient(stack, url);

/** One broadcast between consoles, as the Redis adapter publishes it. */
interface Published {
  uid: string;
  event: string;
  key: string;
  rooms: string[];
}

function decodeBroadcast(msg: Buffer): Published | undefined {
  const decoded: unknown = msgpack.decode(msg);
  if (!Array.isArray(decoded) || decoded.length !== 3) return undefined; // a request between consoles, not a broadcast
  const [uid, packet, opts] = decoded as [string, { data?: unknown[] }, { rooms?: string[] }];
  if (!Array.isArray(packet?.data)) return undefined;
  const [event, payload] = packet.data as [string, unknown];
  // Keyed as the clients key what they get (JSON drops what msgpack kept as undefined).
  return { uid, event, key: JSON.stringify([event, JSON.parse(JSON.stringify(payload ?? null))]), rooms: opts?.rooms ?? [] };
}

describe('consoles sharing the live work', () => {
  it('one leader reads; every client on every console gets each frame once', async () => {
    const name = uniqueName('shared');
    const queue = stack.queue(name);
    // What the consoles publish to one another: the adapter's msgpack [uid, packet, opts], with the publishing console.
    const published: Published[] = [];
    const listener = createRedis('blocking');
    stack.atTeardown(() => listener.quit());
    listener.on('pmessageBuffer', (_p: Buffer, _ch: Buffer, msg: Buffer) => {
      const frame = decodeBroadcast(msg);
      if (frame) published.push(frame);
    });
    await listener.psubscribe(`${liveFanoutNames(prefix).channelPrefix}#/#*`);
    const consoles = await Promise.all([startConsole(), startConsole()]);
    await waitFor(
      'one leader',
      () => consoles.filter((c) => c.leading()).length,
      (n) => n === 1,
    );
    const clients: Client[] = [];
    for (const c of consoles)
      for (let i = 0; i < 3; i++) {
        const cl = await client(c.url);
        await cl.join(rooms.dashboard);
        await cl.join(rooms.queue(name));
        await cl.join(rooms.job(name, 'j5'));
        clients.push(cl);
      }
    // The follower's rooms reach the leader by announcement: wait until a first frame for the queue reaches everyone.
    await queue.add('add', { a: 0, b: 0 }, { jobId: 'probe' });
    for (const c of clients)
      await waitFor(
        'the probe in every client',
        () => countsOf(c, name).at(-1)?.waiting,
        (n) => n === 1,
      );
    // Each client's frames from here on (its own status and peers frames aside: each console sends its own).
    const keyed = relayedFrames;
    const marks = clients.map((c) => keyed(c).length);
    const publishedMark = published.length;

    await stack.worker(createRegistry([{ ...add, queue: name }]), { logger, concurrency: 2 });
    for (let i = 0; i < 10; i++) await queue.add('add', { a: i, b: 1 }, { jobId: `j${i}` });
    for (const c of clients) {
      await waitFor(
        'the final counts in every client',
        () => countsOf(c, name).at(-1),
        (k) => k?.completed === 11 && k.waiting === 0,
      );
      const job = await waitFor(
        'the watched job in every client',
        () => lastJobFrame(c),
        (f) => f?.job?.state === 'completed',
      );
      expect(job?.job?.result).toBe(6);
    }
    // Let the last frames settle, then compare the frames sent after every client had joined (the probe's):
    // the same frames, in the same order, on every client of either console (a frame twice on one console would differ).
    await new Promise((r) => setTimeout(r, 500));
    // A frame in flight at the mark reached some clients before it and others after: start at the first frame all got after it.
    const anchor = firstFrameAfterMarks(clients, marks);
    expect(anchor).toBeDefined();
    const after = (c: Client) => keyed(c).slice(keyed(c).indexOf(anchor!));
    // At least the watched job's completion and the final counts (the relay coalesces the rest when jobs run fast).
    expect(after(clients[0]!).length).toBeGreaterThanOrEqual(3);
    for (const c of clients) expect(after(c)).toEqual(after(clients[0]!));
    // One console published them all: one reader, not one per console; and each frame it published for these
    // rooms reached every client once, nothing else did (the same figures twice is fine: a queue's counts are
    // re-read for every change that touches it, and a change may leave them as they were).
    const watchedRooms = new Set([rooms.dashboard, rooms.queue(name), rooms.job(name, 'j5')]);
    const relayed = (p: Published) => p.event !== 'status' && p.event !== 'peers' && p.rooms.some((r) => watchedRooms.has(r));
    expect(
      new Set(
        published
          .slice(publishedMark)
          .filter(relayed)
          .map((p) => p.uid),
      ).size,
    ).toBe(1);
    // The anchor may have reached this listener before the mark and the clients after theirs (the same frame,
    // delivered over two connections): so the published frames are matched from their end, not from the mark.
    const keys = published.filter(relayed).map((p) => p.key);
    const got = after(clients[0]!);
    expect(keys.slice(-got.length)).toEqual(got);
  });

  it('a console whose fan-out subscriber reconnected tells its pages to re-read (pub/sub kept nothing for it meanwhile)', async () => {
    const live = stack.closing(await startSharedLiveConsole());
    await waitFor(
      'the subscriber ready',
      () => live.fanoutSubscriber.status,
      (s) => s === 'ready',
    );
    const c = await client(live.url);
    await c.join(rooms.dashboard);
    (live.fanoutSubscriber as { disconnect(reconnect?: boolean): void }).disconnect(true);
    await waitFor(
      'a resync after the subscriber came back',
      () => c.frames.find((f) => f.event === 'resync' && (f.payload as { reason: string }).reason === 'fanout-reconnected'),
      Boolean,
    );
  });

  it('the leader stopped (SIGTERM) or killed (kill -9): another console takes over and the clients keep getting frames', async () => {
    const name = uniqueName('handover');
    const queue = stack.queue(name);
    const consoles = [await startConsole(), await startConsole(), await startConsole()];
    const watchers = new Map<Console, Client>();
    for (const c of consoles) {
      const w = await client(c.url);
      await w.join(rooms.queue(name));
      watchers.set(c, w);
    }
    const leader = async () =>
      (
        await waitFor(
          'one leader',
          () => consoles.filter((c) => c.leading()),
          (l) => l.length === 1,
        )
      )[0]!;
    let jobs = 0;
    /** A job added now shows up in the counts of every client of a running console. */
    const seenEverywhere = async () => {
      const n = ++jobs;
      await queue.add('add', { a: 0, b: 0 }, { jobId: `p${n}` });
      for (const c of consoles)
        await waitFor(
          `job ${n} in the counts`,
          () => countsOf(watchers.get(c)!, name).at(-1)?.waiting,
          (w) => w === n,
          10_000,
        );
    };
    const stop = async (c: Console, signal: NodeJS.Signals) => {
      const t0 = Date.now();
      c.proc.child.kill(signal);
      await c.proc.exited;
      consoles.splice(consoles.indexOf(c), 1);
      const next = await leader();
      expect(next).not.toBe(c);
      return Date.now() - t0;
    };

    await seenEverywhere();
    const resyncs = (c: Console) => watchers.get(c)!.frames.filter((f) => f.event === 'resync').length;
    const afterTerm = await stop(await leader(), 'SIGTERM');
    await seenEverywhere();
    const before = consoles.map(resyncs);
    const afterKill = await stop(await leader(), 'SIGKILL');
    await seenEverywhere();
    // The new leader asked the pages to re-read (what happened between two leaders was not sent).
    expect(resyncs(consoles[0]!)).toBeGreaterThan(before[0]!);
    expect(afterTerm).toBeLessThan(3_000);
    expect(afterKill).toBeLessThan(TTL_MS + 3_000);
    console.info(`relay hand-over: ${afterTerm} ms after SIGTERM, ${afterKill} ms after kill -9`);
  });

  it("a console that does not run the relay gets the leader's throughput for a page's snapshot", async () => {
    const consoles = [stack.closing(await startSharedLiveConsole()), stack.closing(await startSharedLiveConsole())];
    const leader = await waitFor('a leader', () => consoles.find((c) => c.relay.isLeader()), Boolean);
    const follower = consoles.find((c) => c !== leader)!;
    const own = leader!.relay.ownThroughput()!;
    const asked = await follower.relay.throughput();
    // The leader's window (a second may have ended between the two reads).
    expect(asked).not.toBeNull();
    expect(asked!.windowMs).toBe(own.windowMs);
    expect(asked!.upTo).toBeGreaterThanOrEqual(own.upTo);
  });

  it("a console that does not run the relay gets the leader's stream positions (/metrics' pipeline lag on every console)", async () => {
    const name = uniqueName('positions');
    await stack.queue(name).add('raw', {});
    const consoles = [stack.closing(await startSharedLiveConsole()), stack.closing(await startSharedLiveConsole())];
    const leader = await waitFor('a leader', () => consoles.find((c) => c.relay.isLeader()), Boolean);
    const follower = consoles.find((c) => c !== leader)!;
    const own = await waitFor(
      'the leader to read the queue',
      () => leader!.relay.ownPositions(),
      (p) => !!p?.some(([q]) => q === name),
    );
    const asked = await follower.relay.positions();
    expect(asked).toBeInstanceOf(Map);
    expect(asked!.get(name)).toBe(new Map(own).get(name));
  });
});
