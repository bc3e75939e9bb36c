'use client';
import { useState } from 'react';
import type { TaskControlsDTO } from '@/lib/data/task-controls-dto';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { useSession } from '../auth/SessionProvider';
import { controlRows } from './control-rows';

type FieldName = 'rateLimit' | 'concurrency';

/** What an input holds → what the API takes: empty follows the code (null), a number is a count, anything else is sent as written. */
function concurrencyValue(text: string): number | string | null {
  const s = text.trim();
  if (s === '') return null;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/** The override's limits as the inputs show them (empty: the code's value holds). */
const inputOf = (v: string | number | undefined) => (v === undefined ? '' : String(v));

/** The sentence announced after a change. */
function outcome(what: 'limits' | 'pause' | 'resume' | 'clear', c: TaskControlsDTO): string {
  const e = c.effective;
  if (what === 'pause') return 'Paused: its jobs are held until you resume it. Other tasks keep running.';
  if (what === 'resume') return 'Resumed: its held jobs run now.';
  const limits = `rate limit ${e.rateLimit ?? 'none'} (${e.rateLimitSource}), global concurrency ${e.concurrency ?? 'none'} (${e.concurrencySource})`;
  return `${what === 'clear' ? 'Back to code' : 'Saved'}: ${limits}. In force on every worker within a second.`;
}

/**
 * A task's controls in force — each with its source, code or an admin's live
 * override — and, for an admin, the form that changes its rate limit and
 * global concurrency and pauses or resumes it (lib/api/task-controls.ts).
 * Viewers see the table only. Errors of a field show under it; the result of
 * each change is announced in a live region.
 */
export function TaskControls({ initial }: { initial: TaskControlsDTO }) {
  const { isAdmin } = useSession();
  const [controls, setControls] = useState(initial);
  const [rate, setRate] = useState(inputOf(initial.override?.rateLimit));
  const [concurrency, setConcurrency] = useState(inputOf(initial.override?.concurrency));
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/tasks/${seg(controls.task)}`;

  async function send(what: 'limits' | 'pause' | 'resume' | 'clear') {
    setBusy(true);
    setErrors({});
    setMessage('');
    try {
      const c =
        what === 'limits'
          ? await api<TaskControlsDTO>(`${base}/override`, {
              method: 'PUT',
              body: { rateLimit: rate.trim() === '' ? null : rate, concurrency: concurrencyValue(concurrency) },
            })
          : what === 'clear'
            ? await api<TaskControlsDTO>(`${base}/override`, { method: 'DELETE' })
            : await api<TaskControlsDTO>(`${base}/${what}`, { method: 'POST' });
      setControls(c);
      setRate(inputOf(c.override?.rateLimit));
      setConcurrency(inputOf(c.override?.concurrency));
      setMessage(outcome(what, c));
    } catch (err) {
      const field = err instanceof ApiError ? err.body.field : undefined;
      if (field === 'rateLimit' || field === 'concurrency') {
        setErrors({ [field]: (err as ApiError).body.message.replace(/^\w+: /, '') });
        setMessage(`Not saved: ${(err as ApiError).body.message}`);
      } else setMessage(`Not saved: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  const code = controls.code.throttle;
  return (
    <div className="space-y-4">
      <Table caption="Controls in force">
        <thead>
          <tr>
            <Th>Control</Th>
            <Th>Value</Th>
            <Th>Source</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {controlRows(controls, formatDuration).map((r) => (
            <tr key={r.label}>
              <Td className="whitespace-nowrap">{r.label}</Td>
              <Td>{r.value}</Td>
              <Td>
                <span className={r.source === 'override' ? 'font-semibold text-amber-700 dark:text-amber-300' : 'text-slate-500 dark:text-slate-400'}>
                  {r.source}
                </span>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {controls.override && (
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Override set by {controls.override.setBy} at <Time ms={controls.override.setAt} />.
        </p>
      )}
      {isAdmin && (
        <form
          className="space-y-3"
          aria-label="Change controls"
          onSubmit={(e) => {
            e.preventDefault();
            void send('limits');
          }}
        >
          <div className="grid gap-3 sm:grid-cols-2">
            <Field
              label="Rate limit"
              error={errors.rateLimit}
              help={`As in code: 5/s, 100/m, 1000/h; none lifts it; empty follows the code (${code?.rateLimit ?? 'none'}).`}
            >
              {(p) => <input {...p} className={inputClass} value={rate} onChange={(e) => setRate(e.target.value)} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field
              label="Global concurrency"
              error={errors.concurrency}
              help={`Jobs running at once on all workers; none lifts it; empty follows the code (${code?.concurrency?.global ?? 'none'}).`}
            >
              {(p) => (
                <input
                  {...p}
                  className={inputClass}
                  value={concurrency}
                  onChange={(e) => setConcurrency(e.target.value)}
                  inputMode="numeric"
                  autoComplete="off"
                />
              )}
            </Field>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" disabled={busy}>
              Apply limits
            </Button>
            {controls.effective.paused ? (
              <Button variant="secondary" disabled={busy} onClick={() => void send('resume')}>
                Resume task
              </Button>
            ) : (
              <Button variant="secondary" disabled={busy} onClick={() => void send('pause')}>
                Pause task
              </Button>
            )}
            {controls.override && (
              <Button variant="secondary" disabled={busy} onClick={() => void send('clear')}>
                Back to code
              </Button>
            )}
          </div>
        </form>
      )}
      {isAdmin && (
        <p role="status" aria-label="Controls result" className="text-sm text-slate-600 dark:text-slate-300">
          {message}
        </p>
      )}
    </div>
  );
}
