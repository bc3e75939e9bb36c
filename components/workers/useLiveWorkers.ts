'use client';
import { useCallback, useState } from 'react';
import type { WorkersDTO } from '@/lib/data/worker-dto';
import type { WorkersFrame } from '@/lib/events/contract';
import { useRoom } from '../live/LiveProvider';
import { api } from '../api';

/**
 * The worker processes, kept current by the `workers` room: the console reads
 * the heartbeats once (every ~1.5 s, for all viewers) and pushes them when
 * anything changed. Re-read from the API on join, reconnect and resync.
 */
export function useLiveWorkers(initial: WorkersDTO): [WorkersDTO, () => void] {
  const [workers, setWorkers] = useState(initial);
  const refetch = useCallback(() => {
    api<WorkersDTO>('/api/v1/workers').then(setWorkers, () => {});
  }, []);
  const onFrame = useCallback((f: WorkersFrame) => setWorkers({ alive: f.alive, lost: f.lost, at: f.at }), []);
  useRoom('workers', { workers: onFrame }, refetch);
  return [workers, refetch];
}
