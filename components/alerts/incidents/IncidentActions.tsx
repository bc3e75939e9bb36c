'use client';
import { useId, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { Incident } from '@/lib/alerts/incident-store';
import { api, seg } from '../../api';
import { Button } from '../../ui/Button';
import { inputClass } from '../../ui/Field';
import { ActionStatus, actionFailed, type ActionMessage } from '../../ui/ActionStatus';
import { useCanWrite } from '../../auth/SessionProvider';

/** The silences offered, as an operator thinks of them. */
export const SILENCES = [
  { ms: 15 * 60_000, label: '15 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 4 * 3_600_000, label: '4 h' },
  { ms: 24 * 3_600_000, label: '24 h' },
] as const;

const until = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Acknowledge an open incident (no more reminders; its resolution is still
 * sent) or silence it for a while (nothing is sent meanwhile), or lift the
 * silence. Only for callers who may act (the server checks again: POST …/ack
 * and …/silence need write access); the outcome is announced in a live region.
 * A resolved incident has nothing to act on.
 */
export function IncidentActions({ incident, now }: { incident: Incident; now: number }) {
  const canWrite = useCanWrite();
  const router = useRouter();
  const [forMs, setForMs] = useState<number>(SILENCES[1].ms);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const selectId = useId();
  if (!canWrite || incident.status !== 'open') return null;
  const base = `/api/v1/alerts/incidents/${seg(incident.id)}`;
  const silenced = incident.silencedUntil !== null && incident.silencedUntil > now;

  async function act(what: 'ack' | 'silence' | 'unsilence') {
    setBusy(true);
    setMessage(null);
    try {
      const i =
        what === 'ack'
          ? await api<Incident>(`${base}/ack`, { method: 'POST' })
          : await api<Incident>(`${base}/silence`, { method: 'POST', body: { forMs: what === 'silence' ? forMs : 0 } });
      setMessage({
        tone: 'ok',
        text:
          what === 'ack'
            ? `Acknowledged${i.ackedBy ? ` by ${i.ackedBy}` : ''}: no more reminders; the resolution will still be sent.`
            : what === 'silence'
              ? `Silenced until ${until(i.silencedUntil ?? Date.now() + forMs)}: nothing is sent meanwhile.`
              : 'Silence lifted: notifications are sent again.',
      });
      router.refresh();
    } catch (err) {
      setMessage(actionFailed(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div role="group" aria-label={`Act on incident ${incident.id}`} className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" disabled={busy || incident.ackedAt !== null} onClick={() => void act('ack')}>
          {incident.ackedAt !== null ? 'Acknowledged' : 'Acknowledge'}
        </Button>
        <label htmlFor={selectId} className="text-sm">
          Silence for
        </label>
        <select id={selectId} className={`${inputClass} w-auto`} value={forMs} onChange={(e) => setForMs(Number(e.target.value))} disabled={busy}>
          {SILENCES.map((s) => (
            <option key={s.ms} value={s.ms}>
              {s.label}
            </option>
          ))}
        </select>
        <Button variant="secondary" disabled={busy} onClick={() => void act('silence')}>
          Silence
        </Button>
        {silenced && (
          <Button variant="secondary" disabled={busy} onClick={() => void act('unsilence')}>
            Lift silence
          </Button>
        )}
      </div>
      <ActionStatus message={message} />
    </div>
  );
}
