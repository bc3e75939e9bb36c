import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logger';
import { roomSchema, type PeersFrame, type ServerToClient, type StatusFrame } from './contract';
import type { RelayOptions, RelaySink } from './event-relay';
import { isLiveRoom, RoomDirectory } from './room-directory';
import type { LeaseRedis } from '../cluster/leader-lease';
import { SharedRelay } from './shared-relay';
import type { ThroughputSnapshot } from './throughput';

/**
 * How the relay meets Socket.IO: its sink backed by Socket.IO rooms, and each
 * connection's `subscribe`/`unsubscribe` checked against the contract. One
 * wiring for server.ts and for the tests' live console. The types below are
 * the few parts of Socket.IO it uses, so lib/ does not depend on socket.io.
 */

interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

export interface RoomSocket {
  id: string;
  /** The socket's namespace: `local` sends to this console's clients only, without the adapter (see serveRooms). */
  nsp: { local: { to(room: string): Emitter } };
  on(event: 'subscribe', listener: (room: unknown, ack?: (answer: { ok: boolean; error?: string }) => void) => void): unknown;
  on(event: 'unsubscribe', listener: (room: unknown) => void): unknown;
  join(room: string): unknown;
  leave(room: string): unknown;
}

export interface RoomServer extends Emitter {
  to(room: string): Emitter;
  sockets: { adapter: { rooms: Map<string, Set<string>> } };
}

/** The relay's sink: a frame for `null` goes to every client, else to the room's members. */
export function socketSink(io: RoomServer): RelaySink {
  return {
    emit: (room, event, payload) => void (room === null ? io : io.to(room)).emit(event, payload),
    roomSize: (room) => io.sockets.adapter.rooms.get(room)?.size ?? 0,
    rooms: () => io.sockets.adapter.rooms.keys(),
  };
}

/**
 * A new connection: the relay's status right away, then rooms joined and left on request (unknown rooms refused).
 * The status and peers go to the socket's own room with the `local` flag: with connection-state recovery
 * (as with the streams adapter), `socket.emit` goes through the adapter, which first XADDs the frame and delivers it
 * only after that command ends: while the fan-out connection is not answering (Redis down, a cluster still
 * fetching its slots) a new page got its status late, stale or never. Each (re)connection gets the current
 * status anyway: nothing to recover.
 */
export function serveRooms(socket: RoomSocket, relay: { status(): StatusFrame; peers?(): PeersFrame }): void {
  const self = socket.nsp.local.to(socket.id);
  self.emit('status', relay.status());
  const peers = relay.peers?.();
  if (peers?.consoles.length) self.emit('peers', peers);
  socket.on('subscribe', (room, ack) => {
    const parsed = roomSchema.safeParse(room);
    if (!parsed.success) return ack?.({ ok: false, error: 'unknown room' });
    void socket.join(parsed.data);
    ack?.({ ok: true });
  });
  socket.on('unsubscribe', (room) => {
    if (typeof room === 'string') void socket.leave(room);
  });
}

/**
 * Several consoles on one Redis. Socket.IO runs with the Redis pub/sub adapter
 * (`@socket.io/redis-adapter`, sharded on a Cluster; set up by the caller: lib/ stays
 * free of Socket.IO): a frame emitted to a room by any console reaches the room's
 * clients on every console, once. The names below keep the adapter's channels
 * (and, for the streams adapter the bench compares, its stream and sessions) under the deployment's prefix.
 */
export function liveFanoutNames(prefix: string): { streamName: string; channelPrefix: string; sessionKeyPrefix: string } {
  return {
    streamName: `${prefix}:__celerity:live`,
    channelPrefix: `${prefix}:__celerity:live`,
    sessionKeyPrefix: `${prefix}:__celerity:live-session:`,
  };
}

/** The streams adapter's options besides the names: frames are JSON; the stream keeps ~100 s of frames, not 10,000 large ones. */
export const LIVE_FANOUT_OPTIONS = { maxLen: 1_000, onlyPlaintext: true } as const;

/** The parts of a Socket.IO server (with a cluster adapter) that the shared live side uses. */
export interface SharedRoomServer extends RoomServer {
  local: Emitter & { to(room: string): Emitter };
  serverSideEmit(event: string, ...args: unknown[]): unknown;
  sockets: RoomServer['sockets'] & {
    adapter: { on(event: 'join-room' | 'delete-room', listener: (room: string) => void): unknown };
    on(event: string, listener: (...args: never[]) => void): unknown;
  };
}

/** How often each console repeats its rooms (the leader forgets a console's rooms after ~2.5 of these). */
const ANNOUNCE_MS = 5_000;
/** How long a page's snapshot waits for the leader's throughput. */
const ASK_THROUGHPUT_MS = 1_000;

const EV = {
  rooms: 'celerity:rooms',
  roomsAsked: 'celerity:rooms?',
  bye: 'celerity:bye',
  throughput: 'celerity:throughput',
  positions: 'celerity:positions',
} as const;

/**
 * The shared live side of a console (see SharedRelay): the leader's frames go to
 * every console through the adapter; each console tells the others which rooms
 * its clients watch (server-side events over the adapter's pub/sub), so the leader
 * reads and sends only what someone somewhere watches. Returns the relay to start.
 */
export function shareLive(
  io: SharedRoomServer,
  opts: {
    logger: Logger;
    redis: LeaseRedis;
    relay?: Partial<Omit<RelayOptions, 'sink' | 'logger'>>;
    leaseTtlMs?: number;
    leaseRenewMs?: number;
    /** This console's public URL, told to the other consoles' pages (where to go when theirs stops). */
    publicUrl?: string;
    /** This console became the relay's leader (true) or stopped being it (false). */
    onLeaderChange?(leading: boolean): void;
    /**
     * The adapter's subscriber connection: once it reconnects (`ready`), or a Cluster's per-shard
     * subscribers were re-made after a node map change (`subscribersReady`: a failover), this console's pages re-read.
     */
    fanoutSubscriber?: { on(event: 'ready' | 'subscribersReady', listener: () => void): unknown };
  },
): SharedRelay {
  const nsp = io.sockets;
  const id = consoleId();
  const directory = new RoomDirectory({ id, local: () => nsp.adapter.rooms, url: opts.publicUrl });
  let peers: string[] = [];
  /** Tell this console's pages when the other consoles change (one came, one stopped or went silent). */
  const peersChanged = () => {
    const now = directory.peers();
    if (now.join(' ') === peers.join(' ')) return;
    peers = now;
    io.local.emit('peers', { v: 1, consoles: peers } satisfies PeersFrame);
  };
  const announce = () => {
    io.serverSideEmit(EV.rooms, directory.announcement());
    peersChanged();
  };
  const roomChanged = (room: string) => isLiveRoom(room) && announce();
  const sink: RelaySink = {
    // A room watched only here is sent here only: the adapter's PUBLISH is paid only for rooms
    // that other consoles watch. Frames for everyone always go through it
    // (a new leader's resync must reach consoles it has not heard from yet).
    emit: (room, event, payload) => {
      if (room === null) io.emit(event, payload);
      else (directory.remoteHas(room) ? io : io.local).to(room).emit(event, payload);
    },
    roomSize: (room) => directory.size(room),
    rooms: () => directory.rooms(),
  };
  const relay = new SharedRelay({
    ...opts,
    id,
    sink,
    emitLocal: <E extends keyof ServerToClient>(event: E, payload: Parameters<ServerToClient[E]>[0]) => void io.local.emit(event, payload),
    askThroughput: () => askLeader<ThroughputSnapshot>(io, EV.throughput),
    askPositions: () => askLeader<[string, string][]>(io, EV.positions),
    onLeaderChange: (leading) => {
      // A new leader knows no one's rooms yet: it asks; a console that is no longer leader has nothing to do.
      if (leading) io.serverSideEmit(EV.roomsAsked);
      opts.onLeaderChange?.(leading);
    },
  });
  // A room's first member ('create-room' comes before the member is added: too early to announce it) and its end.
  nsp.adapter.on('join-room', (room: string) => nsp.adapter.rooms.get(room)?.size === 1 && roomChanged(room));
  nsp.adapter.on('delete-room', roomChanged);
  nsp.on(EV.rooms, (a: never) => {
    directory.take(a);
    peersChanged();
  });
  nsp.on(EV.roomsAsked, () => announce());
  nsp.on(EV.bye, (id: never) => {
    directory.forget(id);
    peersChanged();
  });
  nsp.on(EV.throughput, (ack: never) => (ack as (s: ThroughputSnapshot | null) => void)(relay.ownThroughput()));
  nsp.on(EV.positions, (ack: never) => (ack as (p: [string, string][] | null) => void)(relay.ownPositions()));
  // Pub/sub keeps nothing: what the leader published while this console's subscriber was reconnecting
  // never arrives here. Its pages re-read then (a page that itself reconnects re-reads anyway).
  // Each event's first time is the start, not a reconnection.
  for (const event of ['ready', 'subscribersReady'] as const) {
    let subscribed = false;
    opts.fanoutSubscriber?.on(event, () => {
      if (subscribed) io.local.emit('resync', { v: 1, reason: 'fanout-reconnected' });
      subscribed = true;
    });
  }
  const timer = setInterval(announce, ANNOUNCE_MS);
  timer.unref();
  relay.peers = () => ({ v: 1, consoles: peers });
  const stop = relay.stop.bind(relay);
  relay.stop = async () => {
    clearInterval(timer);
    io.serverSideEmit(EV.bye, id);
    await stop();
  };
  return relay;
}

/** This console's id among the consoles (in the lease and its room announcements). */
function consoleId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** The leader's answer (its throughput, its stream positions), from whichever console gives one (null after ASK_THROUGHPUT_MS). */
function askLeader<T extends object>(io: SharedRoomServer, event: string): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ASK_THROUGHPUT_MS);
    io.serverSideEmit(event, (_err: unknown, answers: unknown[] = []) => {
      clearTimeout(timer);
      resolve((answers.find((a) => a && typeof a === 'object') as T | undefined) ?? null);
    });
  });
}
