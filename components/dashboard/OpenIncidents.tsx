'use client';
import { useCallback, useState } from 'react';
import Link from 'next/link';
import type { Incident } from '@/lib/alerts/incident-store';
import { rooms } from '@/lib/events/contract';
import { useRoom } from '../live/LiveProvider';
import { api, seg } from '../api';
import { Time } from '../ui/Time';
import { IncidentState } from '../alerts/incidents/IncidentState';
import { useLatest, useThrottled } from '../schedules/use-throttled';

/** Shown at most; the Alerts page has them all. */
const SHOWN = 10;
const fetchOpen = () => api<{ incidents: Incident[] }>(`/api/v1/alerts/incidents?status=open&limit=${SHOWN + 1}`);

/**
 * The dashboard's open incidents, each linked to its page (or a sentence
 * saying there are none), in a live region: read when the dashboard room is
 * joined (and after a reconnect or resync), and again — at most once a
 * second — whenever an incident opens, changes or resolves.
 */
export function OpenIncidents() {
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [failed, setFailed] = useState(false);
  const apply = useCallback((r: { incidents: Incident[] }) => {
    setIncidents(r.incidents);
    setFailed(false);
  }, []);
  const onError = useCallback(() => setFailed(true), []);
  const refetch = useLatest(fetchOpen, apply, onError);
  const throttled = useThrottled(refetch, 1000);
  useRoom(rooms.dashboard, { incident: () => throttled() }, refetch);
  const now = Date.now();
  return (
    <div aria-live="polite" aria-busy={incidents === null} className="space-y-2 text-sm">
      {incidents === null ? (
        <p className="text-slate-600 dark:text-slate-400">{failed ? 'Open incidents could not be read.' : 'Reading open incidents…'}</p>
      ) : incidents.length === 0 ? (
        <p className="text-slate-600 dark:text-slate-400">No open incident.</p>
      ) : (
        <ul aria-label="Open incidents" className="divide-y divide-slate-100 dark:divide-slate-800">
          {incidents.slice(0, SHOWN).map((i) => (
            <li key={i.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 py-1.5">
              <Link href={`/alerts/incidents/${seg(i.id)}`} className="font-medium underline">
                {i.rule}
              </Link>
              <IncidentState incident={i} now={now} />
              <span className="text-slate-600 dark:text-slate-400">
                since <Time ms={i.openedAt} />
              </span>
              <span className="w-full break-words">{i.summary}</span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link href="/alerts" className="underline">
          {incidents && incidents.length > SHOWN ? 'See every open incident' : 'See incidents'}
        </Link>
      </p>
    </div>
  );
}
