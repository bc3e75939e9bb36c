import { describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { env } from '../lib/env';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/registry/task-registry';
import { rooms, type CountsFrame, type JobFrame } from '../lib/events/contract';
import { compareIds } from '../lib/events/event-relay';
import { liveFanoutNames } from '../lib/events/socket-rooms';
import { add } from '../worker/tasks/demo-tasks';
import { runTs, uniqueName, waitFor, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { startSharedLiveConsole } from './live-harness';

/**
 * Several consoles sharing the live work (server.ts's wiring): the relay runs
 * on the lease's leader only; its frames reach every console's clients through
 * the Redis streams adapter, each frame once; when the leader stops (SIGTERM)
 * or dies (kill -9), another console takes over and the clients keep getting frames.
 */
const stack = queueStack();
const { prefix } = stack;
const logger = createLogger('live-consoles-shared', 'error');
const TTL_MS = 1_500;

interface Console {
  proc: Proc;
  url: string;
  leading(): boolean;
}

function startConsole(): Promise<Console> {
  const proc = runTs('test/fixtures/live-console.ts', [], {
    REDIS_URL: env().REDIS_URL!,
    CELERITY_PREFIX: prefix,
    LIVE_SHARED: '1',
    LEASE_TTL_MS: String(TTL_MS),
    LEASE_RENEW_MS: '300',
  });
  stack.atTeardown(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc.waitForOutput(/LIVE_READY (\S+)/).then((line) => ({
    proc,
    url: line.split(' ')[1]!,
    leading: () => [...proc.output().matchAll(/^(LEADER|FOLLOWER) \d+$/gm)].at(-1)?.[1] === 'LEADER',
  }));
}

/** A client that records each frame with the adapter's stream offset Socket.IO appends to it (unique per frame). */
interface Client {
  socket: Socket;
  frames: { event: string; payload: unknown; offset: unknown }[];
  join(room: string): Promise<void>;
}

async function client(url: string): Promise<Client> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  stack.atTeardown(() => socket.close());
  const frames: Client['frames'] = [];
  socket.onAny((event: string, payload: unknown, offset: unknown) => frames.push({ event, payload, offset }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    frames,
    join: (room) =>
      new Promise<void>((resolve, reject) =>
        socket.emit('subscribe', room, (r: { ok: boolean; error?: string }) => (r.ok ? resolve() : reject(new Error(r.error ?? 'refused')))),
      ),
  };
}

const countsOf = (c: Client, queue: string) =>
  c.frames
    .filter((f) => f.event === 'counts')
    .map((f) => (f.payload as CountsFrame).queues[queue])
    .filter(Boolean);

describe('consoles sharing the live work', () => {
  it('one leader reads; every client on every console gets each frame once', async () => {
    const name = uniqueName('shared');
    const queue = stack.queue(name);
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
    const mark = clients
      .flatMap((c) => c.frames.map((f) => f.offset))
      .filter((o): o is string => typeof o === 'string')
      .sort(compareIds)
      .at(-1)!;

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
        () =>
          c.frames
            .filter((f) => f.event === 'job')
            .map((f) => f.payload as JobFrame)
            .at(-1),
        (f) => f?.job?.state === 'completed',
      );
      expect(job?.job?.result).toBe(6);
    }
    // Let the last frames settle, then compare the frames sent after every client had joined (the probe's):
    // the same frames, in the same order, each once, on every client of either console.
    await new Promise((r) => setTimeout(r, 500));
    const ids = (c: Client) => c.frames.filter((f) => typeof f.offset === 'string').map((f) => f.offset as string);
    const after = (c: Client) => ids(c).filter((id) => compareIds(id, mark) > 0);
    expect(after(clients[0]!).length).toBeGreaterThan(3);
    for (const c of clients) {
      expect(new Set(ids(c)).size).toBe(ids(c).length);
      expect(after(c)).toEqual(after(clients[0]!));
    }
    // From the mark on, every frame (rooms watched on both consoles) went through the adapter's stream: it has an offset there.
    for (const c of clients) {
      const at = c.frames.findIndex((f) => typeof f.offset === 'string' && compareIds(f.offset, mark) >= 0);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(c.frames.slice(at).filter((f) => typeof f.offset !== 'string')).toEqual([]);
    }
    // One console emitted them all (the adapter's stream names each entry's server): one reader, not one per console.
    // (Each console's `status` to a socket that connects goes through the stream too: Socket.IO keeps its offset for recovery.)
    const entries = (await stack.redis.xrange(liveFanoutNames(prefix).streamName, '-', '+')).filter(
      ([, f]) => !f[f.indexOf('data') + 1]!.includes('["status"'),
    );
    const emitters = new Set(entries.map(([, f]) => f[f.indexOf('uid') + 1]));
    expect(entries.length).toBeGreaterThan(3);
    expect(emitters.size).toBe(1);
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
});
