'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import { useRoom } from '../live/LiveProvider';
import { api } from '../api';

/** Workers and the oldest waiting job are not in the count frames: re-read them at most this often while frames arrive. */
const DETAILS_REFRESH_MS = 10_000;

/**
 * Every queue's summary, kept current by the dashboard room's count frames;
 * the rest of the summary (workers, oldest waiting job) is re-read from the
 * API at most every 10 s while the queues are changing.
 */
export function useLiveQueues(initial: QueueSummaryDTO[]): QueueSummaryDTO[] {
  const [queues, setQueues] = useState(initial);
  const last = useRef(Date.now());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const refetch = useCallback(() => {
    last.current = Date.now();
    api<{ queues: QueueSummaryDTO[] }>('/api/v1/queues').then(
      (r) => setQueues(r.queues),
      () => {},
    );
  }, []);
  const refetchSoon = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(
      () => {
        timer.current = undefined;
        refetch();
      },
      Math.max(0, DETAILS_REFRESH_MS - (Date.now() - last.current)),
    );
  }, [refetch]);
  useRoom(
    'dashboard',
    {
      counts: (frame) => {
        setQueues((prev) => {
          const known = new Set(prev.map((q) => q.name));
          const next = prev.map((q) => (frame.queues[q.name] ? { ...q, counts: { ...q.counts, ...frame.queues[q.name] } } : q));
          for (const [name, counts] of Object.entries(frame.queues)) {
            if (!known.has(name)) next.push({ name, paused: false, workers: 0, oldestWaitingAt: null, counts: counts as QueueSummaryDTO['counts'] });
          }
          return next.sort((a, b) => a.name.localeCompare(b.name));
        });
        refetchSoon();
      },
    },
    refetch,
  );
  return queues;
}
