'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { JOB_STATES, type JobStateName, type QueueCounts } from '@/lib/data/queue-states';
import { useRoom } from '../live/LiveProvider';
import { api, seg } from '../api';
import { stateLabel } from '../ui/StateBadge';
import { cn } from '../ui/cn';

/**
 * The state tabs of a queue page with live counts (the queue's room). When the
 * count of the state on screen changes, the server-rendered table is refreshed,
 * at most once a second.
 */
export function QueueStateTabs({
  queue,
  current,
  initial,
  hrefs,
}: {
  queue: string;
  current: JobStateName;
  initial: QueueCounts;
  hrefs: Record<JobStateName, string>;
}) {
  const router = useRouter();
  const [counts, setCounts] = useState(initial);
  const shown = useRef(initial);
  const lastRefresh = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    shown.current = initial;
    setCounts(initial);
  }, [initial]);
  useEffect(() => () => clearTimeout(pending.current), []);

  const refreshTable = useCallback(() => {
    if (pending.current) return;
    const wait = Math.max(0, 1000 - (Date.now() - lastRefresh.current));
    pending.current = setTimeout(() => {
      pending.current = undefined;
      lastRefresh.current = Date.now();
      router.refresh();
    }, wait);
  }, [router]);

  const refetch = useCallback(() => {
    api<{ counts: QueueCounts }>(`/api/v1/queues/${seg(queue)}`).then(
      (r) => {
        if (shown.current[current] !== r.counts[current]) refreshTable();
        shown.current = r.counts;
        setCounts(r.counts);
      },
      () => {},
    );
  }, [queue, current, refreshTable]);

  useRoom(
    `queue:${queue}`,
    {
      counts: (frame) => {
        const next = frame.queues[queue] as QueueCounts | undefined;
        if (!next) return;
        if (shown.current[current] !== next[current]) refreshTable();
        shown.current = { ...shown.current, ...next };
        setCounts(shown.current);
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
