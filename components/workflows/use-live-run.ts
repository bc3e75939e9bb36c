'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { WorkflowRunDTO } from '@/lib/workflows/run-dto';
import type { ShownRun } from './shown-run';
import { api, seg } from '../api';
import { runFinished } from './workflow-states';

/**
 * At most one re-read of a running run per this many ms, by its size: a small run is cheap to read and its
 * steps may last under a second (each state should be seen); a large one is read less often (frames arrive up to
 * ~10/s per room whatever the job rate).
 */
export function refreshInterval(steps: number, finished: boolean): number {
  if (finished) return FINISHED_REFRESH_MS;
  return steps <= 50 ? 150 : steps <= 300 ? 500 : 1000;
}
/** A finished run changes only through a retry: slower, as other jobs of its queues keep the rooms busy. */
export const FINISHED_REFRESH_MS = 2000;
/** How long after an action the page keeps the running pace. */
const ACTED_PACE_MS = 30_000;
/** A run with no steps yet has no queue rooms to watch: ask again this often until its steps appear. */
const PENDING_POLL_MS = 1000;

/**
 * A run kept current: the page joins the rooms of its steps' queues
 * (QueueRooms), and each change there asks for a re-read of the whole run,
 * coalesced to at most one in flight and one per refreshInterval. No
 * workflow frames exist: the queue rooms' counts change with every step's
 * job (added, active, completed, failed), which is what the page shows.
 */
export function useLiveRun(initial: ShownRun) {
  const [run, setRun] = useState(initial);
  const id = initial.id;
  /** When the shown data was last read: the server's render counts as a read (see the mount effect below). */
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef(false);
  const again = useRef(false);
  const finished = runFinished(run.state);
  const interval = refreshInterval(run.nodes.length, finished);
  const intervalRef = useRef(interval);
  const runSize = useRef(run.nodes.length);
  useEffect(() => {
    intervalRef.current = interval;
    runSize.current = run.nodes.length;
  }, [interval, run.nodes.length]);

  /** Until when to re-read at the running pace whatever the last read said: an action was just taken (a retry resumes a failed run). */
  const actedUntil = useRef(0);

  const read = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    last.current = Date.now();
    try {
      setRun(await api<WorkflowRunDTO>(`/api/v1/workflow-runs/${seg(id)}`));
    } catch {
      // Redis away or the run removed: keep what is shown; the next change or resync reads again.
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        void read();
      }
    }
  }, [id]);

  /** A change was seen: read the run soon, at most once per interval. */
  const changed = useCallback(() => {
    if (timer.current) return;
    const pace = Date.now() < actedUntil.current ? refreshInterval(runSize.current, false) : intervalRef.current;
    const wait = Math.max(0, pace - (Date.now() - last.current));
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void read();
    }, wait);
  }, [read]);

  useEffect(() => {
    // The page's own data is fresh: the rooms' join (which asks for a re-read) waits one interval for it, so a
    // large run's page does not read its whole run again while it is still drawing.
    last.current = Date.now();
    return () => clearTimeout(timer.current);
  }, []);

  const noSteps = run.nodes.length === 0 && !finished;
  useEffect(() => {
    if (!noSteps) return;
    const t = setInterval(() => void read(), PENDING_POLL_MS);
    return () => clearInterval(t);
  }, [noSteps, read]);

  // One string, so the rooms are re-joined only when the set of queues changes.
  const queueKey = useMemo(() => [...new Set(run.nodes.map((n) => n.queue))].sort().join('\n'), [run.nodes]);
  const queues = useMemo(() => (queueKey ? queueKey.split('\n') : []), [queueKey]);

  /** After an action: read now, and follow the run at the running pace for a while (its state may lag the action). */
  const acted = useCallback(() => {
    actedUntil.current = Date.now() + ACTED_PACE_MS;
    clearTimeout(timer.current); // a re-read planned at the finished run's slow pace
    timer.current = undefined;
    void read();
  }, [read]);

  return { run, queues, changed, acted };
}
