'use client';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import { JOB_STATES } from '@/lib/data/queue-states';
import { useLiveQueues } from '../queues/useLiveQueues';
import { QueueTable } from '../queues/QueueTable';
import { Card } from '../ui/Card';
import { stateLabel } from '../ui/StateBadge';

/** Totals per state over all queues, and the queue table, both live. */
export function LiveDashboard({ initial }: { initial: QueueSummaryDTO[] }) {
  const queues = useLiveQueues(initial);
  const totals = Object.fromEntries(JOB_STATES.map((s) => [s, queues.reduce((n, q) => n + q.counts[s], 0)]));
  return (
    <div className="space-y-6">
      <section aria-label="Jobs by state, all queues">
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
          {JOB_STATES.map((s) => (
            <div key={s} role="group" aria-label={`${stateLabel(s)} jobs`} className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
              <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{stateLabel(s)}</dt>
              <dd className="mt-1 text-2xl font-semibold tabular-nums">
                {totals[s]}
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <Card title="Queues">
        <QueueTable queues={queues} />
      </Card>
    </div>
  );
}
