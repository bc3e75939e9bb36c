'use client';
import { useCallback } from 'react';
import Link from 'next/link';
import type { HeldSummaryDTO } from '@/lib/data/held-schemas';
import { useRoom } from '../live/LiveProvider';
import { useNewestRead } from '../live/useNewestRead';
import { api, seg } from '../api';
import { ClockTime } from './ClockTime';
import { useTableRefresh } from './useTableRefresh';

/** The states whose table rows show holds: refreshed when the holds change. */
const HOLDING_STATES = new Set(['delayed', 'waiting', 'prioritized']);

/**
 * What the table's rows depend on: which tasks hold how many jobs for what. Not the times: a line of jobs
 * waiting for a concurrency slot looks again every few hundred ms, and re-reading the table each time would
 * cost a page render a second for nothing the rows would not show after their next change of state.
 */
const composition = (h: HeldSummaryDTO) => JSON.stringify([h.total, h.groups.map((g) => [g.task, g.label, g.count])]);

/** The delayed list filtered to one task's jobs (the queue page's name filter). */
function ofTask(delayedHref: string, task: string): string {
  const [path, query = ''] = delayedHref.split('?');
  const sp = new URLSearchParams(query);
  sp.set('name', task);
  sp.delete('page');
  return `${path}?${sp.toString()}`;
}

/**
 * "Held back by a limit": how many of the queue's jobs their tasks' limits
 * hold back, by task and reason, kept current by the queue room's frames.
 * When the holds change while a table of waiting jobs is shown, the table is
 * re-read (at most once a second) so its badges follow.
 */
export function HeldSummary({
  queue,
  state,
  initial,
  initialAt,
  delayedHref,
}: {
  queue: string;
  state: string;
  initial: HeldSummaryDTO;
  /** When the server's reads of `initial` began (QueueDetailDTO's `at`). */
  initialAt: number;
  delayedHref: string;
}) {
  const [held, offer] = useNewestRead(initial, initialAt);
  const refreshTable = useTableRefresh();

  /** Newer holds than those shown: shown, and a table of waiting jobs re-read when their composition changed. */
  const show = useCallback(
    (at: number, next: HeldSummaryDTO) => {
      const done = offer(at, () => next);
      if (done && HOLDING_STATES.has(state) && composition(done.before) !== composition(done.after)) refreshTable();
    },
    [offer, state, refreshTable],
  );

  const refetch = useCallback(() => {
    api<{ held: HeldSummaryDTO; at: number }>(`/api/v1/queues/${seg(queue)}`).then(
      (r) => show(r.at, r.held),
      () => {},
    );
  }, [queue, show]);

  useRoom(
    `queue:${queue}`,
    {
      counts: (frame) => {
        const next = frame.held?.[queue];
        if (next) show(frame.at, next);
      },
    },
    refetch,
  );

  const more = held.complete ? '' : '+';
  return (
    <section aria-labelledby="held-title" className="mb-4 rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">
      <h2 id="held-title" className="font-semibold">
        Held back by a limit
      </h2>
      {held.total === 0 ? (
        <p className="text-slate-600 dark:text-slate-300">No job is held back by a task’s limit.</p>
      ) : (
        <>
          <p>
            <span className="tabular-nums">
              {held.total}
              {more}
            </span>{' '}
            {held.total === 1 ? 'job waits' : 'jobs wait'} for their task’s limit (
            <Link href={delayedHref} className="underline">
              delayed jobs
            </Link>
            ).
          </p>
          <ul aria-label="Held jobs by task" className="mt-1 space-y-0.5">
            {held.groups.map((g) => (
              <li key={`${g.task}\u0000${g.label}`}>
                <span className="font-medium">{g.task}</span>: {g.label} — <span className="tabular-nums">{g.count}</span> {g.count === 1 ? 'job' : 'jobs'}, the
                first {g.reason === 'rate' ? 'may run at' : 'looks again at'} <ClockTime ms={g.nextAt} /> ·{' '}
                <Link href={ofTask(delayedHref, g.task)} className="underline">
                  delayed jobs of {g.task}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
