import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Queue } from 'bullmq';
import { env } from '../lib/env';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/registry/task-registry';
import { rooms } from '../lib/events/contract';
import { liveFanoutNames } from '../lib/events/socket-rooms';
import { Cluster } from 'ioredis';
import { isClusterUrl, parseClusterUrl } from '../lib/redis-url';
import { add } from '../worker/tasks/demo-tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { USERS_ENV } from './security-support';
import {
  countsOf,
  expectSessionAcrossConsoles,
  firstAfterMarks,
  frameClient,
  lastJobFrame,
  relayedFrames,
  startLiveConsole,
  type FrameClient,
  type LiveConsole,
} from './fixtures/console-clients';

/**
 * Two console processes on a real 3-master Redis Cluster (the cluster suite's
 * REDIS_URL), wired as server.ts wires several consoles: the sharded pub/sub
 * adapter (a channel per room, each on its own shard), the relay on the lease's
 * leader only, the API app for sign-in. Clients of both consoles get every frame
 * the leader publishes, each once; a session made on one console works on the
 * other; the leader killed (-9), the other console takes over and its clients
 * keep getting frames. Skipped on a single Redis (test/live-consoles-shared.test.ts there).
 */
const onCluster = isClusterUrl(inject('redisUrl'));
const stack = queueStack();
const { prefix } = stack;
const logger = createLogger('cluster-consoles', 'error');
const TTL_MS = 1_500;

type Console = LiveConsole;
type Client = FrameClient;
const startConsole = () => startLiveConsole(stack, TTL_MS, { LIVE_API: '1', CELERITY_USERS: USERS_ENV, CELERITY_USERS_FILE: '' });
const client = (url: string) => frameClient(stack, url);

/**
 * Jobs added to `name` one at a time until every client has the newest in its counts. A console tells the
 * leader which rooms its clients watch by a message over the adapter; until the leader has it, frames for
 * rooms only that console watches are not sent there. Returns how many jobs were added.
 */
async function untilEveryClientCounts(queue: Queue, name: string, clients: Client[], added = 0): Promise<number> {
  for (let n = added + 1; ; n++) {
    await queue.add('add', { a: 0, b: 0 }, { jobId: `probe-${n}` });
    try {
      for (const c of clients)
        await waitFor(
          `probe ${n} in every client`,
          () => countsOf(c, name).at(-1)?.waiting,
          (w) => w === n,
          2_000,
        );
      return n;
    } catch (err) {
      if (n >= added + 5) throw err; // a console announces its rooms every 5 s at the latest
    }
  }
}

/** A client's frames that come from the relay (each console sends its own status and peers). */
const relayed = relayedFrames;

/** Every frame published on the rooms' shard channels (the sharded adapter's dynamic mode: one channel per room). */
async function listenToRooms(names: string[]): Promise<{ room: string; key: string; uid: string }[]> {
  const published: { room: string; key: string; uid: string }[] = [];
  // shardedSubscribers: one subscriber connection per shard (without it ioredis sends every SSUBSCRIBE to one node).
  const sub = new Cluster(parseClusterUrl(env().REDIS_URL!).seeds, { shardedSubscribers: true });
  stack.atTeardown(() => sub.disconnect());
  const channel = (room: string) => `${liveFanoutNames(prefix).channelPrefix}#/#${room}#`;
  const roomOf = new Map(names.map((room) => [channel(room), room]));
  sub.on('smessageBuffer', (ch: Buffer, msg: Buffer) => {
    const m = JSON.parse(msg.toString()) as { uid: string; data?: { packet?: { data?: [string, unknown] } } };
    const data = m.data?.packet?.data;
    if (data) published.push({ room: roomOf.get(ch.toString())!, uid: m.uid, key: JSON.stringify(data) });
  });
  for (const room of names) await sub.ssubscribe(channel(room));
  return published;
}

describe.skipIf(!onCluster)('several consoles on a Redis Cluster', () => {
  let consoles: Console[] = [];
  const leader = () =>
    waitFor(
      'one leader',
      () => consoles.filter((c) => c.leading()),
      (l) => l.length === 1,
    ).then((l) => l[0]!);

  beforeAll(async () => {
    consoles = await Promise.all([startConsole(), startConsole()]);
    await leader();
  });

  it('one leader relays; every client of both consoles gets each frame once', async () => {
    const name = uniqueName('cc');
    const queue = stack.queue(name);
    const watched = [rooms.dashboard, rooms.queue(name), rooms.job(name, 'j5')];
    const published = await listenToRooms(watched);
    const clients: Client[] = [];
    for (const c of consoles)
      for (let i = 0; i < 2; i++) {
        const cl = await client(c.url);
        for (const room of watched) await cl.join(room);
        clients.push(cl);
      }
    const probes = await untilEveryClientCounts(queue, name, clients);
    const marks = clients.map((c) => relayed(c).length);

    await stack.worker(createRegistry([{ ...add, queue: name }]), { logger, concurrency: 2 });
    for (let i = 0; i < 10; i++) await queue.add('add', { a: i, b: 1 }, { jobId: `j${i}` });
    for (const c of clients) {
      await waitFor(
        'the final counts in every client',
        () => countsOf(c, name).at(-1),
        (k) => k?.completed === probes + 10 && k.waiting === 0,
      );
      const job = await waitFor(
        'the watched job in every client',
        () => lastJobFrame(c),
        (f) => f?.job?.state === 'completed',
      );
      expect(job?.job?.result).toBe(6);
    }
    // Let the last frames settle. Each room is its own shard channel, read by each console over its own
    // connection to that shard: frames of different rooms may interleave differently on two consoles, so order
    // is compared room by room. In each room, from the first frame every client got after its mark: the same
    // frames in the same order on every client of either console, and exactly what the leader published on
    // the room's channel (a frame delivered twice, or sent by two relays, would differ).
    await new Promise((r) => setTimeout(r, 500));
    const roomOfFrame = new Map<string, string>();
    for (const p of published) {
      expect(roomOfFrame.get(p.key) ?? p.room, 'a frame published in one room only').toBe(p.room);
      roomOfFrame.set(p.key, p.room);
    }
    // Each client's relayed frames, read once now that they have settled.
    const frames = clients.map(relayed);
    frames.forEach((f, i) => expect(f.slice(marks[i]).filter((k) => !roomOfFrame.has(k))).toEqual([]));
    let compared = 0;
    const relays = new Set<string>();
    for (const room of watched) {
      const inRoom = (frames: string[]) => frames.filter((k) => roomOfFrame.get(k) === room);
      const seqs = frames.map(inRoom);
      const anchor = firstAfterMarks(
        seqs,
        frames.map((f, i) => inRoom(f.slice(0, marks[i])).length),
      );
      expect(anchor, room).toBeDefined();
      const after = (frames: string[]) => frames.slice(frames.indexOf(anchor!));
      for (const s of seqs) expect(after(s), room).toEqual(after(seqs[0]!));
      const sent = published.filter((p) => p.room === room);
      const got = after(seqs[0]!);
      expect(
        sent.slice(-got.length).map((p) => p.key),
        room,
      ).toEqual(got);
      for (const p of sent.slice(-got.length)) relays.add(p.uid);
      compared += got.length;
    }
    expect(relays.size, 'one console relays').toBe(1);
    // At least the watched job's completion and the final counts of the dashboard and the queue room.
    expect(compared).toBeGreaterThanOrEqual(3);
  });

  it('a session and its CSRF token made on one console work on the other; signing out there ends it on both', async () => {
    const [a, b] = consoles.map((c) => c.url) as [string, string];
    await expectSessionAcrossConsoles(a, b);
  });

  it('the leader killed (-9): the other console takes over and its clients keep getting frames; a new console joins as follower', async () => {
    const name = uniqueName('handover');
    const queue = stack.queue(name);
    const watchers = new Map<Console, Client>();
    const watch = async (c: Console) => {
      const w = await client(c.url);
      await w.join(rooms.queue(name));
      watchers.set(c, w);
    };
    for (const c of consoles) await watch(c);
    let jobs = 0;
    /** A job added now shows up in the counts of every client of a running console. */
    const seenEverywhere = async () => {
      jobs = await untilEveryClientCounts(
        queue,
        name,
        [...consoles].map((c) => watchers.get(c)!),
        jobs,
      );
    };
    await seenEverywhere();
    const old = await leader();
    const survivor = consoles.find((c) => c !== old)!;
    const resyncs = () => watchers.get(survivor)!.frames.filter((f) => f.event === 'resync').length;
    const before = resyncs();
    const t0 = Date.now();
    old.proc.child.kill('SIGKILL');
    await old.proc.exited;
    consoles = [survivor];
    expect(await leader()).toBe(survivor);
    const handOverMs = Date.now() - t0;
    await seenEverywhere();
    // The new leader asked the pages to re-read (what happened between two leaders was not sent).
    expect(resyncs()).toBeGreaterThan(before);
    expect(handOverMs).toBeLessThan(TTL_MS + 3_000);

    const late = await startConsole();
    consoles.push(late);
    await watch(late);
    await seenEverywhere();
    expect(await leader()).toBe(survivor);
    console.info(`cluster relay hand-over after kill -9: ${handOverMs} ms`);
  });
});
