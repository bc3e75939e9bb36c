'use client';
import Link from 'next/link';
import type { IncidentListDTO, IncidentRowDTO } from '@/lib/data/incident-dto';
import { seg } from '../../api';
import { Card } from '../../ui/Card';
import { Table, Td, Th } from '../../ui/Table';
import { Time } from '../../ui/Time';
import { formatDuration } from '../../ui/format';
import { IncidentState } from './IncidentState';
import { IncidentActions } from './IncidentActions';
import { IncidentLink, IncidentTarget } from './IncidentTarget';
import { useIncidentLive, useNow } from './use-incident-live';

const detail = (i: IncidentRowDTO) => `/alerts/incidents/${seg(i.id)}`;
const pageHref = (page: number) => (page > 0 ? `/alerts?page=${page}` : '/alerts');

/** How many incidents are open, in words: announced when it changes (the table's ticking durations are not). */
export function openCount(n: number): string {
  return n === 0 ? 'No open incident: every rule’s condition is clear.' : `${n} open incident${n === 1 ? '' : 's'}.`;
}

/** The first two cells of both tables: the rule (a link to the incident) and what it watches. */
function RuleAndTarget({ incident: i }: { incident: IncidentRowDTO }) {
  return (
    <>
      <Td>
        <Link href={detail(i)} className="font-medium underline">
          {i.rule}
        </Link>
      </Td>
      <Td>
        <IncidentTarget target={i.target} />
      </Td>
    </>
  );
}

function OpenIncidents({ incidents, now }: { incidents: IncidentRowDTO[]; now: number }) {
  if (incidents.length === 0) return null;
  return (
    <Table caption="Open incidents">
      <thead>
        <tr>
          <Th>Rule</Th>
          <Th>Target</Th>
          <Th>State</Th>
          <Th>Since</Th>
          <Th numeric>Open for</Th>
          <Th>Last notification</Th>
          <Th>Now</Th>
          <Th>Actions</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {incidents.map((i) => (
          <tr key={i.id}>
            <RuleAndTarget incident={i} />
            <Td>
              <IncidentState incident={i} now={now} />
            </Td>
            <Td>
              <Time ms={i.openedAt} />
            </Td>
            <Td numeric>{formatDuration(Math.max(0, now - i.openedAt))}</Td>
            <Td>
              <Time ms={i.lastNotifiedAt} fallback="none" />
            </Td>
            <Td className="max-w-md break-words">
              {i.summary} <IncidentLink href={i.href}>look</IncidentLink>
            </Td>
            <Td>
              <IncidentActions incident={i} now={now} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function PastIncidents({ incidents }: { incidents: IncidentRowDTO[] }) {
  if (incidents.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No resolved incident here.</p>;
  return (
    <Table caption="Past incidents">
      <thead>
        <tr>
          <Th>Rule</Th>
          <Th>Target</Th>
          <Th>Opened</Th>
          <Th>Resolved</Th>
          <Th numeric>Lasted</Th>
          <Th>Last figure</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {incidents.map((i) => (
          <tr key={i.id}>
            <RuleAndTarget incident={i} />
            <Td>
              <Time ms={i.openedAt} />
            </Td>
            <Td>
              <Time ms={i.resolvedAt} />
            </Td>
            <Td numeric>{i.resolvedAt !== null ? formatDuration(i.resolvedAt - i.openedAt) : '—'}</Td>
            <Td className="max-w-md break-words">{i.summary}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/**
 * The Alerts page's incidents: the open ones first (state, since when, last
 * notification, actions), then the resolved ones page by page. Live: an
 * incident that opens, changes or resolves anywhere re-reads the page's data.
 */
export function IncidentsView({ data, serverNow }: { data: IncidentListDTO; serverNow: number }) {
  useIncidentLive();
  const now = useNow(serverNow);
  return (
    <div className="space-y-6">
      <Card title="Open incidents">
        <p role="status" aria-label="Open incidents count" className="mb-3 text-sm text-slate-600 dark:text-slate-400">
          {openCount(data.open.length)}
        </p>
        <OpenIncidents incidents={data.open} now={now} />
      </Card>
      <Card title="Past incidents">
        <PastIncidents incidents={data.past} />
        {(data.page > 0 || data.hasMore) && (
          <nav aria-label="Past incidents pages" className="mt-3 flex items-center gap-4 text-sm">
            {data.page > 0 && (
              <Link href={pageHref(data.page - 1)} className="underline">
                Newer
              </Link>
            )}
            <span>Page {data.page + 1}</span>
            {data.hasMore && (
              <Link href={pageHref(data.page + 1)} className="underline">
                Older
              </Link>
            )}
          </nav>
        )}
      </Card>
    </div>
  );
}
