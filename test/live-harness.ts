import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { EventRelay, type RelayOptions } from '../lib/events/event-relay';
import type { ClientToServer, ServerToClient } from '../lib/events/contract';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createAdapter as createPubSubAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { getRequestListener } from '@hono/node-server';
import { createApiApp } from '../lib/api/api-app';
import { env } from '../lib/env';
import {
  LIVE_FANOUT_OPTIONS,
  liveFanoutNames,
  serveRooms,
  shareLive,
  socketSink,
  type RoomServer,
  type RoomSocket,
  type SharedRoomServer,
} from '../lib/events/socket-rooms';
import type { SharedRelay } from '../lib/events/shared-relay';
import { createLogger } from '../lib/logger';
import { createRedis, createSubscriber, getRedis, isCluster, type RedisConnection } from '../lib/redis';

/**
 * The console's live half without Next: an HTTP server with Socket.IO and an
 * EventRelay wired as server.ts wires them (lib/events/socket-rooms.ts). Lets tests run real
 * clients against it, in this process or as a child process (fixtures/live-console.ts).
 */
export interface LiveConsole {
  url: string;
  relay: EventRelay;
  close(): Promise<void>;
}

/** A console's live half as server.ts runs it with several consoles: the Redis pub/sub adapter, the relay run by the lease's leader. */
export interface SharedLiveConsole {
  url: string;
  relay: SharedRelay;
  /** The adapter's subscriber connection (a test can cut it). */
  fanoutSubscriber: RedisConnection;
  close(): Promise<void>;
}

export async function startSharedLiveConsole(
  relayOptions: Partial<Omit<RelayOptions, 'sink' | 'logger'>> = {},
  lease: { leaseTtlMs?: number; leaseRenewMs?: number; onLeaderChange?(leading: boolean): void; adapter?: 'pubsub' | 'streams'; api?: boolean } = {},
  /** The adapter's connection, owned by the caller (one that never answers, say); a new one to the test's Redis by default. */
  fanout?: RedisConnection,
): Promise<SharedLiveConsole> {
  // api: the API app (sessions, pages' reads, health) on the same port, as server.ts serves it; else 404.
  const server = http.createServer(
    lease.api ? getRequestListener(createApiApp().fetch, { autoCleanupIncoming: false }) : (_req, res) => res.writeHead(404).end(),
  );
  const adapterRedis = fanout ?? createRedis('command');
  // The adapter's subscriber: a connection of its own (over the caller's proxy too, when one is given).
  const subRedis = fanout ? fanout.duplicate() : createSubscriber();
  const names = liveFanoutNames(env().CELERITY_PREFIX);
  const io = new SocketServer<ClientToServer, ServerToClient>(server, {
    serveClient: false,
    // As server.ts: pub/sub. The streams adapter (with connection-state recovery, as before) only for the bench's comparison.
    ...(lease.adapter === 'streams'
      ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 }, adapter: createAdapter(adapterRedis, { ...names, ...LIVE_FANOUT_OPTIONS }) }
      : { adapter: pubSubAdapter(adapterRedis, subRedis, names.channelPrefix) }),
  });
  const logger = createLogger('live-console', (process.env.LIVE_LOG_LEVEL as 'info' | undefined) ?? 'error');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const publicUrl = `http://127.0.0.1:${port}`;
  const relay = shareLive(io as unknown as SharedRoomServer, {
    logger,
    redis: getRedis(),
    relay: relayOptions,
    publicUrl,
    fanoutSubscriber: subRedis,
    ...lease,
  });
  io.on('connection', (socket) => serveRooms(socket as unknown as RoomSocket, relay));
  relay.start();
  return {
    url: publicUrl,
    relay,
    fanoutSubscriber: subRedis,
    async close() {
      await relay.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
      if (!fanout) await adapterRedis.quit().catch(() => {});
      await subRedis.quit().catch(() => {});
    },
  };
}

/** As server.ts: Redis pub/sub, sharded on a Cluster (a channel lives on one shard). */
function pubSubAdapter(pub: RedisConnection, sub: RedisConnection, channelPrefix: string) {
  return isCluster(pub) ? createShardedAdapter(pub, sub, { channelPrefix }) : createPubSubAdapter(pub, sub, { key: channelPrefix });
}

export async function startLiveConsole(relayOptions: Partial<Omit<RelayOptions, 'sink'>> = {}): Promise<LiveConsole> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const io = new SocketServer<ClientToServer, ServerToClient>(server, { serveClient: false });
  const relay = new EventRelay({
    logger: createLogger('live-console', 'error'),
    ...relayOptions,
    sink: socketSink(io as unknown as RoomServer),
  });
  io.on('connection', (socket) => serveRooms(socket as unknown as RoomSocket, relay));
  relay.start();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    relay,
    async close() {
      await relay.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

export type Received = { at: number; event: keyof ServerToClient; payload: unknown };

/** A real Socket.IO client that joins rooms and records every event it receives, with the time it arrived. */
export interface LiveClient {
  socket: Socket<ServerToClient, ClientToServer>;
  received: Received[];
  join(room: string): Promise<void>;
  close(): void;
}

export async function connectClient(url: string): Promise<LiveClient> {
  const socket: Socket<ServerToClient, ClientToServer> = connect(url, { transports: ['websocket'], forceNew: true });
  const received: Received[] = [];
  socket.onAny((event: keyof ServerToClient, payload: unknown) => received.push({ at: Date.now(), event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    received,
    join: (room) =>
      new Promise<void>((resolve, reject) => socket.emit('subscribe', room, (r) => (r.ok ? resolve() : reject(new Error(r.error ?? 'subscribe refused'))))),
    close: () => void socket.close(),
  };
}
