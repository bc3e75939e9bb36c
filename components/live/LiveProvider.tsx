'use client';
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServer, ServerToClient } from '@/lib/events/contract';

export type LiveSocket = Socket<ServerToClient, ClientToServer>;
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

interface LiveState {
  socket: LiveSocket | null;
  connection: ConnectionState;
  redis: 'up' | 'down' | 'unknown';
}

const LiveContext = createContext<LiveState>({ socket: null, connection: 'connecting', redis: 'unknown' });

/** The one Socket.IO client of the page. Everything live goes through it. */
export function LiveProvider({ children }: { children: React.ReactNode }) {
  const [state, setState] = useState<LiveState>({ socket: null, connection: 'connecting', redis: 'unknown' });
  useEffect(() => {
    const socket: LiveSocket = io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 2000 });
    setState((s) => ({ ...s, socket }));
    socket.on('connect', () => setState((s) => ({ ...s, connection: 'connected' })));
    socket.on('disconnect', () => setState((s) => ({ ...s, connection: 'reconnecting' })));
    socket.io.on('reconnect_attempt', () => setState((s) => ({ ...s, connection: 'reconnecting' })));
    socket.on('status', (p) => setState((s) => ({ ...s, redis: p.redis })));
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
 * Join a room while mounted and receive its events. `onSnapshot` runs once the
 * room is joined, after every reconnect, and when the server asks for a resync:
 * the caller re-reads its data then, so nothing missed stays stale.
 */
export function useRoom(room: string | null, handlers: Handlers, onSnapshot?: () => void): void {
  const { socket } = useLive();
  const ref = useRef({ handlers, onSnapshot });
  ref.current = { handlers, onSnapshot };
  useEffect(() => {
    if (!socket || !room) return;
    const join = () => socket.emit('subscribe', room, () => ref.current.onSnapshot?.());
    const listeners = (Object.keys(ref.current.handlers) as (keyof ServerToClient)[]).map((ev) => {
      const fn = (p: never) => (ref.current.handlers[ev] as ((p: never) => void) | undefined)?.(p);
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
      socket.emit('unsubscribe', room);
    };
  }, [socket, room]);
}
