'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DashboardSnapshotDTO } from '@/lib/data/dashboard-snapshot';
import type { ActiveJobs, CountsFrame, Failure, ThroughputPoint, Timings } from '@/lib/events/contract';
import { useRoom } from '../live/LiveProvider';
import { api } from '../api';

export interface DashboardState {
  /** Seconds with completed or failed jobs (by second start), the last `windowMs`. */
  series: ThroughputPoint[];
  windowMs: number;
  /** False when the console runs no relay (the live chart then has nothing to show). */
  liveAvailable: boolean;
  active: ActiveJobs;
  failures: Failure[];
  timings: Timings;
  workers: { alive: number; lost: number };
  /** Browser clock, once a second: the live chart's right edge. */
  now: number;
}

/**
 * The dashboard's live figures: a snapshot from the API when the room is
 * joined (and after a reconnect or resync), then the `dashboard` room's
 * frames. Throughput seconds are merged by their start time and never
 * added twice: a second is recorded once by the console and a snapshot says
 * up to which second it holds (`upTo`).
 */
export function useDashboard(initial: DashboardSnapshotDTO): DashboardState {
  const toMap = (points: ThroughputPoint[]) => new Map(points.map((p) => [p.t, p]));
  const [state, setState] = useState(() => ({
    series: toMap(initial.live?.points ?? []),
    windowMs: initial.live?.windowMs ?? 5 * 60_000,
    liveAvailable: initial.live !== null,
    active: initial.active,
    failures: initial.failures,
    timings: initial.timings,
    workers: initial.workers,
  }));
  const [now, setNow] = useState(() => initial.at);
  const fetching = useRef<AbortController | null>(null);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => () => fetching.current?.abort(), []);

  const refetch = useCallback(() => {
    fetching.current?.abort();
    const ctrl = new AbortController();
    fetching.current = ctrl;
    api<DashboardSnapshotDTO>('/api/v1/dashboard', { signal: ctrl.signal }).then(
      (snap) => {
        setState((s) => {
          const series = toMap(snap.live?.points ?? []);
          // Seconds that arrived in frames while the snapshot was on its way.
          const upTo = snap.live?.upTo ?? 0;
          for (const [t, p] of s.series) if (t > upTo) series.set(t, p);
          return {
            series,
            windowMs: snap.live?.windowMs ?? s.windowMs,
            liveAvailable: snap.live !== null,
            active: snap.active,
            failures: snap.failures,
            timings: snap.timings,
            workers: snap.workers,
          };
        });
      },
      () => {},
    );
  }, []);

  const onCounts = useCallback((frame: CountsFrame) => {
    const d = frame.dashboard;
    if (!d) return;
    setState((s) => {
      let series = s.series;
      if (d.throughput?.length) {
        series = new Map(s.series);
        for (const p of d.throughput) series.set(p.t, p);
        const oldest = Date.now() - s.windowMs - 5000;
        for (const t of series.keys()) if (t < oldest) series.delete(t);
      }
      return {
        ...s,
        series,
        active: d.active ?? s.active,
        failures: d.failures ?? s.failures,
        timings: d.timings ?? s.timings,
        workers: d.workers ?? s.workers,
      };
    });
  }, []);

  useRoom('dashboard', { counts: onCounts }, refetch);

  return { ...state, series: [...state.series.values()].sort((a, b) => a.t - b.t), now };
}
