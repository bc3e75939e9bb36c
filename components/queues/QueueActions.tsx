'use client';
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { api, seg } from '../api';
import { ActionStatus, actionFailed, type ActionMessage } from '../ui/ActionStatus';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { useCanWrite } from '../auth/SessionProvider';

/** Queue-wide actions. Destructive ones ask first; obliterate wants the queue's name typed again. */
export function QueueActions({ queue, paused, failed }: { queue: string; paused: boolean; failed: number }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const [cleanState, setCleanState] = useState<'completed' | 'failed'>('completed');
  const [cleanAge, setCleanAge] = useState('24');
  const [confirmName, setConfirmName] = useState('');
  const [confirmError, setConfirmError] = useState<string | undefined>();
  const [obliterateOpen, setObliterateOpen] = useState(false);
  const canWrite = useCanWrite();

  async function act(action: string, body: unknown, ok: (r: unknown) => string) {
    setBusy(true);
    setMessage(null);
    try {
      const r = await api<unknown>(`/api/v1/queues/${seg(queue)}/${action}`, { method: 'POST', body });
      setMessage({ tone: 'ok', text: ok(r) });
      router.refresh();
      return true;
    } catch (err) {
      setMessage(actionFailed(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  // Viewers get no buttons (the server would refuse them with 403 anyway).
  if (!canWrite) return null;

  return (
    <section aria-label="Queue actions" className="mb-6 space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-center gap-2">
        {paused ? (
          <Button disabled={busy} onClick={() => act('resume', {}, () => 'Resumed: workers take jobs again.')}>
            Resume queue
          </Button>
        ) : (
          <Button variant="secondary" disabled={busy} onClick={() => act('pause', {}, () => 'Paused: workers take no new jobs.')}>
            Pause queue
          </Button>
        )}
        <Button variant="secondary" disabled={busy || failed === 0} onClick={() => act('retry-failed', {}, () => 'Failed jobs moved back to waiting.')}>
          Retry all failed
        </Button>
        <Button
          variant="secondary"
          disabled={busy}
          onClick={() =>
            window.confirm(`Remove every waiting job of ${queue}? Active and delayed jobs stay.`) && act('drain', {}, () => 'Waiting jobs removed.')
          }
        >
          Drain waiting
        </Button>
        <Button variant="danger" disabled={busy} aria-expanded={obliterateOpen} onClick={() => setObliterateOpen((o) => !o)}>
          Obliterate…
        </Button>
      </div>

      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const hours = Number(cleanAge);
          void act(
            'clean',
            { state: cleanState, olderThanMs: Number.isFinite(hours) ? Math.round(hours * 3_600_000) : cleanAge },
            (r) => `Removed ${(r as { removed: number }).removed} ${cleanState} jobs.`,
          );
        }}
      >
        <Field label="Clean jobs in state">
          {(p) => (
            <select {...p} className={inputClass} value={cleanState} onChange={(e) => setCleanState(e.target.value as 'completed' | 'failed')}>
              <option value="completed">completed</option>
              <option value="failed">failed</option>
            </select>
          )}
        </Field>
        <Field label="Older than (hours)">
          {(p) => <input {...p} inputMode="decimal" className={inputClass} value={cleanAge} onChange={(e) => setCleanAge(e.target.value)} />}
        </Field>
        <Button type="submit" variant="secondary" disabled={busy}>
          Clean
        </Button>
      </form>

      {obliterateOpen && (
        <form
          aria-label="Obliterate queue"
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (confirmName !== queue) {
              setConfirmError('Type the queue name exactly');
              return;
            }
            setConfirmError(undefined);
            void act('obliterate', { confirm: confirmName }, () => 'Queue obliterated.').then((ok) => ok && router.push('/queues'));
          }}
        >
          <Field label={`Type “${queue}” to delete the queue and all its jobs`} error={confirmError}>
            {(p) => <input {...p} className={inputClass} value={confirmName} onChange={(e) => setConfirmName(e.target.value)} autoComplete="off" />}
          </Field>
          <Button type="submit" variant="danger" disabled={busy}>
            Obliterate queue
          </Button>
        </form>
      )}

      <ActionStatus message={message} />
    </section>
  );
}
