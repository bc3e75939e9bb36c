'use client';
import { useCallback, useState } from 'react';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import { useRoom } from '../live/LiveProvider';
import { api } from '../api';

/** Every queue's summary, kept current by the dashboard room's count frames. */
export function useLiveQueues(initial: QueueSummaryDTO[]): QueueSummaryDTO[] {
  const [queues, setQueues] = useState(initial);
  const refetch = useCallback(() => {
    api<{ queues: QueueSummaryDTO[] }>('/api/v1/queues').then((r) => setQueues(r.queues), () => {});
  }, []);
  useRoom(
    'dashboard',
    {
      counts: (frame) =>
        setQueues((prev) => {
          const known = new Set(prev.map((q) => q.name));
          const next = prev.map((q) => (frame.queues[q.name] ? { ...q, counts: { ...q.counts, ...frame.queues[q.name] } } : q));
          for (const [name, counts] of Object.entries(frame.queues)) {
            if (!known.has(name)) next.push({ name, paused: false, counts: counts as QueueSummaryDTO['counts'] });
          }
          return next.sort((a, b) => a.name.localeCompare(b.name));
        }),
    },
    refetch,
  );
  return queues;
}
