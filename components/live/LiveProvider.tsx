'use client';
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { checkSession } from '../api';
import { withBase } from '../base-path';
import { MOVE_AFTER_MS, pageOnPeer, pickPeer } from './peer-failover';
import { serverFrameSchemas, type ClientToServer, type ServerToClient } from '@/lib/events/contract';

export type LiveSocket = Socket<ServerToClient, ClientToServer>;
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

interface LiveState {
  socket: LiveSocket | null;
  connection: ConnectionState;
  redis: 'up' | 'down' | 'unknown';
}

const LiveContext = createContext<LiveState>({ socket: null, connection: 'connecting', redis: 'unknown' });

/**
 * How many mounted hooks use each room, per socket: the room is left when the
 * last one unmounts, not when the first does (two views of a page may share one).
 */
const roomUsers = new WeakMap<LiveSocket, Map<string, number>>();

/** The one Socket.IO client of the page. Everything live goes through it. */
export function LiveProvider({ children }: { children: React.ReactNode }) {
  const [state, setState] = useState<LiveState>({ socket: null, connection: 'connecting', redis: 'unknown' });
  useEffect(() => {
    const socket: LiveSocket = io({ path: withBase('/socket.io'), transports: ['websocket', 'polling'], reconnectionDelayMax: 2000 });
    roomUsers.set(socket, new Map());
    setState((s) => ({ ...s, socket }));
    socket.on('connect', () => setState((s) => ({ ...s, connection: 'connected' })));
    socket.on('disconnect', (reason) => {
      setState((s) => ({ ...s, connection: 'reconnecting' }));
      // The server closes a socket whose session ended; it does not reconnect on its own.
      if (reason === 'io server disconnect') {
        void checkSession();
        socket.connect();
      }
    });
    // The other consoles, while connected: where to go if this one stops (see peer-failover.ts).
    let peers: string[] = [];
    /** Since when this console has been unreachable (undefined while connected). */
    let lostAt: number | undefined;
    socket.on('peers', (p) => {
      const parsed = serverFrameSchemas.peers.safeParse(p);
      if (parsed.success) peers = parsed.data.consoles;
    });
    socket.on('connect', () => {
      lostAt = undefined;
    });
    socket.on('connect_error', () => {
      // A refused handshake (401 from the gate) is another way to learn the session ended.
      void checkSession();
      // This console is gone (not a refused session: that goes to the login above): continue on another.
      lostAt ??= Date.now();
      const peer = Date.now() - lostAt >= MOVE_AFTER_MS ? pickPeer(peers) : undefined;
      if (peer) {
        socket.close();
        window.location.assign(pageOnPeer(peer, window.location));
      }
    });
    socket.io.on('reconnect_attempt', () => setState((s) => ({ ...s, connection: 'reconnecting' })));
    socket.on('status', (p) => {
      const parsed = serverFrameSchemas.status.safeParse(p);
      if (parsed.success) setState((s) => ({ ...s, redis: parsed.data.redis }));
    });
    return () => {
      socket.close();
    };
  }, []);
  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}

type Handlers = { [E in keyof ServerToClient]?: ServerToClient[E] };

/**
 * Join a room while mounted and receive its events, each parsed against the
 * contract's schema (a frame that does not match is dropped, with a warning).
 * `onSnapshot` runs once the room is joined, after every reconnect, and when
 * the server asks for a resync: the caller re-reads its data then, so nothing
 * missed stays stale.
 */
export function useRoom(room: string | null, handlers: Handlers, onSnapshot?: () => void): void {
  const { socket } = useLive();
  const ref = useRef({ handlers, onSnapshot });
  useEffect(() => {
    ref.current = { handlers, onSnapshot };
  });
  useEffect(() => {
    if (!socket || !room) return;
    const users = roomUsers.get(socket)!;
    users.set(room, (users.get(room) ?? 0) + 1);
    const join = () => socket.emit('subscribe', room, () => ref.current.onSnapshot?.());
    const listeners = (Object.keys(ref.current.handlers) as (keyof ServerToClient)[]).map((ev) => {
      const fn = (p: unknown) => {
        const parsed = serverFrameSchemas[ev].safeParse(p);
        if (!parsed.success) {
          console.warn(`Celerity: dropped a "${ev}" frame that does not match the live contract`, parsed.error.issues);
          return;
        }
        (ref.current.handlers[ev] as ((p: unknown) => void) | undefined)?.(parsed.data);
      };
      socket.on(ev, fn as never);
      return [ev, fn] as const;
    });
    const onResync = () => ref.current.onSnapshot?.();
    socket.on('connect', join);
    socket.on('resync', onResync);
    if (socket.connected) join();
    return () => {
      socket.off('connect', join);
      socket.off('resync', onResync);
      for (const [ev, fn] of listeners) socket.off(ev, fn as never);
      const left = (users.get(room) ?? 1) - 1;
      if (left > 0) users.set(room, left);
      else {
        users.delete(room);
        socket.emit('unsubscribe', room);
      }
    };
  }, [socket, room]);
}
