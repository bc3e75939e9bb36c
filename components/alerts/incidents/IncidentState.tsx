import type { Incident } from '@/lib/alerts/incident-store';
import { Time } from '../../ui/Time';
import { cn } from '../../ui/cn';

const TONE = {
  firing: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-200',
  acknowledged: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  silenced: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
  resolved: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
} as const;

type IncidentStateName = keyof typeof TONE;

/** Where an incident stands now: resolved, silenced (until a time), acknowledged, or firing. */
export function incidentState(i: Pick<Incident, 'status' | 'ackedAt' | 'silencedUntil'>, now: number): IncidentStateName {
  if (i.status === 'resolved') return 'resolved';
  if (i.silencedUntil !== null && i.silencedUntil > now) return 'silenced';
  return i.ackedAt !== null ? 'acknowledged' : 'firing';
}

/** The incident's state as a badge, in words ("Silenced until 14:05:00", "Acknowledged by ops"). */
export function IncidentState({ incident, now }: { incident: Pick<Incident, 'status' | 'ackedAt' | 'ackedBy' | 'silencedUntil'>; now: number }) {
  const state = incidentState(incident, now);
  return (
    <span className={cn('inline-block rounded-full px-2 py-0.5 text-xs font-semibold', TONE[state])}>
      {state === 'firing' && 'Firing'}
      {state === 'resolved' && 'Resolved'}
      {state === 'acknowledged' && `Acknowledged${incident.ackedBy ? ` by ${incident.ackedBy}` : ''}`}
      {state === 'silenced' && (
        <>
          Silenced until <Time ms={incident.silencedUntil} />
        </>
      )}
    </span>
  );
}
