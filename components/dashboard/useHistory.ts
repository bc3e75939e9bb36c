'use client';
import { useEffect, useRef, useState } from 'react';
import type { HistoryRange, ThroughputHistoryDTO } from '@/lib/data/dashboard-history';
import { api } from '../api';

const REFRESH_MS = 60_000;

/**
 * The last hour and 24 h of throughput (BullMQ's per-minute metrics). They
 * move by the minute, so they are re-read at most once a minute, and only
 * when jobs finished since (`lastActivity`: the newest live second with any):
 * an idle dashboard asks nothing.
 */
export function useHistory(
  initial: Record<HistoryRange, ThroughputHistoryDTO | null>,
  lastActivity: number,
): Record<HistoryRange, ThroughputHistoryDTO | null> {
  const [history, setHistory] = useState(initial);
  const fetchedAt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    fetchedAt.current = Date.now();
    return () => clearTimeout(timer.current);
  }, []);
  useEffect(() => {
    if (lastActivity <= fetchedAt.current - 1000 || timer.current) return;
    timer.current = setTimeout(
      () => {
        timer.current = undefined;
        fetchedAt.current = Date.now();
        Promise.all(
          (['1h', '24h'] as const).map((range) => api<ThroughputHistoryDTO>(`/api/v1/dashboard/history?range=${range}`).then((h) => [range, h] as const)),
        ).then(
          (pairs) => setHistory(Object.fromEntries(pairs) as Record<HistoryRange, ThroughputHistoryDTO>),
          () => {},
        );
      },
      Math.max(0, REFRESH_MS - (Date.now() - fetchedAt.current)),
    );
  }, [lastActivity]);
  return history;
}
