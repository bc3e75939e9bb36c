import { roomSchema } from './contract';
import type { EventRelay, RelaySink } from './event-relay';

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
  emit(event: 'status', payload: ReturnType<EventRelay['status']>): unknown;
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

/** A new connection: the relay's status right away, then rooms joined and left on request (unknown rooms refused). */
export function serveRooms(socket: RoomSocket, relay: EventRelay): void {
  socket.emit('status', relay.status());
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
