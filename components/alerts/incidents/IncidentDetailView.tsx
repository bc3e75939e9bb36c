'use client';
import { useEffect } from 'react';
import { useRouter } from 'next/navigation';
import type { IncidentDetailDTO } from '@/lib/data/incident-dto';
import type { TimelineEntry } from '@/lib/alerts/incident-store';
import { Card } from '../../ui/Card';
import { Fact } from '../../ui/Fact';
import { Table, Td, Th } from '../../ui/Table';
import { Time } from '../../ui/Time';
import { formatDuration } from '../../ui/format';
import { IncidentState } from './IncidentState';
import { IncidentActions } from './IncidentActions';
import { IncidentLink, IncidentTarget } from './IncidentTarget';
import { useIncidentLive, useNow } from './use-incident-live';

const ENTRY: Record<TimelineEntry['type'], string> = {
  opened: 'Opened',
  notified: 'Notified',
  reminded: 'Reminded',
  acknowledged: 'Acknowledged',
  silenced: 'Silenced',
  unsilenced: 'Silence lifted',
  resolved: 'Resolved',
};

/** A delivery's status, in the colours of the job states it resembles (delivered is done, failed is failed, pending waits). */
const DELIVERY_TONE = {
  delivered: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  failed: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-200',
  pending: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
} as const;
const DELIVERY_LABEL = { delivered: 'Delivered', failed: 'Failed', pending: 'Pending' } as const;

function Facts({ incident, now }: { incident: IncidentDetailDTO; now: number }) {
  const fact = (label: string, value: React.ReactNode) => (
    <Fact label={label} termClassName="text-xs font-medium text-slate-500 uppercase dark:text-slate-400" valueClassName="mt-0.5 text-sm">
      {value}
    </Fact>
  );
  const end = incident.resolvedAt ?? now;
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
      {fact('State', <IncidentState incident={incident} now={now} />)}
      {fact('Target', <IncidentTarget target={incident.target} />)}
      {fact('Opened', <Time ms={incident.openedAt} />)}
      {fact(incident.resolvedAt !== null ? 'Lasted' : 'Open for', formatDuration(Math.max(0, end - incident.openedAt)))}
      {fact('Kind', incident.kind)}
      {fact('Notifications sent', incident.notifications)}
      {fact('Last notification', <Time ms={incident.lastNotifiedAt} fallback="none" />)}
      {fact('Acknowledged', incident.ackedAt !== null ? <>by {incident.ackedBy ?? 'someone'}</> : 'no')}
    </div>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol aria-label="Timeline" className="space-y-2 text-sm">
      {entries.map((e, n) => (
        <li key={n} className="flex flex-wrap gap-x-3">
          <span className="w-48 shrink-0 text-slate-500 tabular-nums dark:text-slate-400">
            <Time ms={e.at} />
          </span>
          <span className="font-medium">{ENTRY[e.type]}</span>
          <span className="break-words">{e.text}</span>
        </li>
      ))}
    </ol>
  );
}

function Deliveries({ deliveries }: { deliveries: IncidentDetailDTO['deliveries'] }) {
  if (deliveries.length === 0)
    return <p className="text-sm text-slate-600 dark:text-slate-400">No delivery: the rule has no channel, or nothing was sent yet.</p>;
  return (
    <Table caption="Deliveries">
      <thead>
        <tr>
          <Th>Channel</Th>
          <Th>Event</Th>
          <Th>Status</Th>
          <Th numeric>Attempts</Th>
          <Th>Queued</Th>
          <Th>Delivered</Th>
          <Th>Last error</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {deliveries.map((d) => (
          <tr key={d.id}>
            <Td>{d.channel}</Td>
            <Td>{d.event}</Td>
            <Td>
              <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-semibold ${DELIVERY_TONE[d.status]}`}>{DELIVERY_LABEL[d.status]}</span>
            </Td>
            <Td numeric>{d.attempts}</Td>
            <Td>
              <Time ms={d.createdAt} />
            </Td>
            <Td>
              <Time ms={d.deliveredAt} />
            </Td>
            <Td className="max-w-sm break-words text-rose-800 dark:text-rose-300">{d.lastError ?? '—'}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/**
 * One incident: where it stands, its figure, what it points at, its timeline
 * (opened, notified per channel, reminded, acknowledged by whom, silenced,
 * resolved) and its deliveries; the actions for who may act. Live: re-read
 * when this incident changes.
 */
export function IncidentDetailView({ incident, serverNow }: { incident: IncidentDetailDTO; serverNow: number }) {
  useIncidentLive((f) => f.id === incident.id);
  const now = useNow(serverNow);
  const router = useRouter();
  // A delivery's sending is no incident change (no frame): while one is pending, read again shortly.
  const pending = incident.deliveries.some((d) => d.status === 'pending');
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(() => router.refresh(), 2000);
    return () => clearTimeout(t);
  }, [pending, incident, router]);
  return (
    <div className="space-y-6">
      <Card>
        <Facts incident={incident} now={now} />
        <p className="mt-4 text-sm">
          {incident.summary} <IncidentLink href={incident.href}>look</IncidentLink>
        </p>
        <div className="mt-4">
          <IncidentActions incident={incident} now={now} />
        </div>
      </Card>
      <Card title="Timeline">
        <Timeline entries={incident.timeline} />
      </Card>
      <Card title="Deliveries">
        <Deliveries deliveries={incident.deliveries} />
      </Card>
    </div>
  );
}
