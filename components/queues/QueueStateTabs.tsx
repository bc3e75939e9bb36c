'use client';
import { useCallback } from 'react';
import Link from 'next/link';
import { JOB_STATES, type JobStateName, type QueueCounts } from '@/lib/data/queue-states';
import { useRoom } from '../live/LiveProvider';
import { useNewestRead } from '../live/useNewestRead';
import { api, seg } from '../api';
import { stateLabel } from '../ui/StateBadge';
import { cn } from '../ui/cn';
import { useTableRefresh } from './useTableRefresh';

/**
 * The state tabs of a queue page with live counts (the queue's room). When the
 * count of the state on screen changes, the server-rendered table is refreshed,
 * at most once a second; the refreshed page's counts are shown only when newer
 * than the last frame's (useNewestRead).
 */
export function QueueStateTabs({
  queue,
  current,
  initial,
  initialAt,
  hrefs,
}: {
  queue: string;
  current: JobStateName;
  initial: QueueCounts;
  /** When the server's reads of `initial` began (QueueDetailDTO's `at`). */
  initialAt: number;
  hrefs: Record<JobStateName, string>;
}) {
  const [counts, offer] = useNewestRead(initial, initialAt);
  const refreshTable = useTableRefresh();

  /** Newer counts than those shown: shown, and the table re-read when the count of its state changed. */
  const show = useCallback(
    (at: number, next: (shown: QueueCounts) => QueueCounts) => {
      const done = offer(at, next);
      if (done && done.before[current] !== done.after[current]) refreshTable();
    },
    [offer, current, refreshTable],
  );

  const refetch = useCallback(() => {
    api<{ counts: QueueCounts; at: number }>(`/api/v1/queues/${seg(queue)}`).then(
      (r) => show(r.at, () => r.counts),
      () => {},
    );
  }, [queue, show]);

  useRoom(
    `queue:${queue}`,
    {
      counts: (frame) => {
        const next = frame.queues[queue] as QueueCounts | undefined;
        if (next) show(frame.at, (shown) => ({ ...shown, ...next }));
      },
    },
    refetch,
  );

  return (
    <nav aria-label="Job states" className="mb-4">
      <ul className="flex flex-wrap gap-1">
        {JOB_STATES.map((s) => (
          <li key={s}>
            <Link
              href={hrefs[s]}
              aria-current={s === current ? 'page' : undefined}
              className={cn(
                'block rounded-md px-3 py-1.5 text-sm',
                s === current ? 'bg-indigo-600 text-white' : 'bg-white ring-1 ring-slate-200 hover:bg-slate-100 dark:bg-slate-900 dark:ring-slate-700',
              )}
            >
              {stateLabel(s)} <span className="tabular-nums">({counts[s]})</span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
