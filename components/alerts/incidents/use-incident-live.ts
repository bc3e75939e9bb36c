'use client';
import { useCallback, useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { IncidentFrame } from '@/lib/events/contract';
import { rooms } from '@/lib/events/contract';
import { useRoom } from '../../live/LiveProvider';
import { useThrottled } from '../../schedules/use-throttled';

/**
 * Keep a server-rendered incidents page current: when an incident it shows
 * (`concerns`) opens, changes or resolves, the page's data is read again on
 * the server (at most once a second; the page is not reloaded, its state stays).
 * Also after a reconnection or a resync: frames may have been missed.
 */
export function useIncidentLive(concerns: (frame: IncidentFrame) => boolean = () => true): void {
  const router = useRouter();
  const refresh = useCallback(() => router.refresh(), [router]);
  const throttled = useThrottled(refresh, 1000);
  useRoom(rooms.alerts, { incident: (frame) => concerns(frame) && throttled() }, throttled);
}

/** The time now, ticking every second from the server's render time (so the first render matches the server's HTML). */
export function useNow(serverNow: number): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}
