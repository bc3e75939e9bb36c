'use client';
import Link from 'next/link';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import type { DashboardSnapshotDTO } from '@/lib/data/dashboard-snapshot';
import type { HistoryRange, ThroughputHistoryDTO } from '@/lib/data/dashboard-history';
import { JOB_STATES } from '@/lib/data/queue-states';
import { useLiveQueues } from '../queues/useLiveQueues';
import { QueueTable } from '../queues/QueueTable';
import { Card } from '../ui/Card';
import { Fact } from '../ui/Fact';
import { stateLabel } from '../ui/StateBadge';
import { useDashboard } from './useDashboard';
import { useHistory } from './useHistory';
import { ThroughputChart, summarize } from './ThroughputChart';
import { HistoryChart } from './HistoryChart';
import { ActiveJobs } from './ActiveJobs';
import { LatestFailures } from './LatestFailures';
import { TaskTimings } from './TaskTimings';
import { OpenIncidents } from './OpenIncidents';
import { percent, formatRate } from './figures';

function Stat({ label, value, hint }: { label: string; value: React.ReactNode; hint?: React.ReactNode }) {
  return (
    <Fact
      label={label}
      className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900"
      termClassName="text-xs font-medium tracking-wide text-slate-500 dark:text-slate-400 uppercase"
      valueClassName="mt-1 text-2xl font-semibold tabular-nums"
      note={hint}
      noteClassName="text-xs text-slate-500 dark:text-slate-400"
    >
      {value}
    </Fact>
  );
}

/**
 * The dashboard, live: totals per state, throughput (live per second, and the
 * last hour / 24 h), failure rates, active jobs with progress, the latest
 * failures, wait and run times per task, and the queue table.
 */
export function LiveDashboard({
  initial,
  snapshot,
  history: initialHistory,
}: {
  initial: QueueSummaryDTO[];
  snapshot: DashboardSnapshotDTO;
  history: Record<HistoryRange, ThroughputHistoryDTO | null>;
}) {
  const queues = useLiveQueues(initial);
  const live = useDashboard(snapshot);
  const lastActivity = live.series.at(-1)?.t ?? 0;
  const history = useHistory(initialHistory, lastActivity);
  const totals = Object.fromEntries(JOB_STATES.map((s) => [s, queues.reduce((n, q) => n + q.counts[s], 0)]));
  const windowed = summarize(live.series.filter((p) => p.t >= live.now - live.windowMs));
  const recent = summarize(live.series.filter((p) => p.t >= Math.floor(live.now / 1000) * 1000 - 10_000));
  const rate = (h: ThroughputHistoryDTO | null) => (h ? percent(h.totals.failed, h.totals.completed + h.totals.failed) : '—');
  const minutes = Math.round(live.windowMs / 60_000);
  return (
    <div className="space-y-6">
      <section aria-label="Jobs by state, all queues">
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
          {JOB_STATES.map((s) => (
            <Stat key={s} label={`${stateLabel(s)} jobs`} value={totals[s]} />
          ))}
        </div>
      </section>
      <section aria-label="Rates and workers">
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
          <Stat label="Throughput now" value={formatRate((recent.completed + recent.failed) / 10)} hint="average of the last 10 s" />
          <Stat
            label={`Failure rate, last ${minutes} min`}
            value={percent(windowed.failed, windowed.completed + windowed.failed)}
            hint={`${windowed.failed} of ${windowed.completed + windowed.failed}`}
          />
          <Stat
            label="Failure rate, last hour"
            value={rate(history['1h'])}
            hint={history['1h'] ? `${history['1h'].totals.failed} of ${history['1h'].totals.completed + history['1h'].totals.failed}` : undefined}
          />
          <Stat
            label="Failure rate, last 24 h"
            value={rate(history['24h'])}
            hint={history['24h'] ? `${history['24h'].totals.failed} of ${history['24h'].totals.completed + history['24h'].totals.failed}` : undefined}
          />
          <Stat
            label="Workers"
            value={live.workers.alive}
            hint={
              <Link href="/workers" className="underline">
                {live.workers.lost > 0 ? `${live.workers.lost} lost · ` : ''}see workers
              </Link>
            }
          />
        </div>
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <ThroughputChart series={live.series} windowMs={live.windowMs} now={live.now} available={live.liveAvailable} />
        </Card>
        <Card>
          <HistoryChart history={history} />
        </Card>
      </div>
      <Card title="Open incidents">
        <OpenIncidents />
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Active jobs">
          <ActiveJobs active={live.active} now={live.now} />
        </Card>
        <Card title="Latest failures">
          <LatestFailures failures={live.failures} now={live.now} />
        </Card>
      </div>
      <Card title="Wait and run time">
        <TaskTimings timings={live.timings} />
      </Card>
      <Card title="Queues">
        <QueueTable queues={queues} />
      </Card>
    </div>
  );
}
