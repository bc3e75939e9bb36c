'use client';
import { useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { JobDTO } from '@/lib/data/job-dto';
import { api, ApiError, seg } from '../api';
import { ActionStatus, actionFailed, type ActionMessage } from '../ui/ActionStatus';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { useCanWrite } from '../auth/SessionProvider';
import { fieldsFromSchema } from '../tasks/json-schema-fields';
import { ArgsFieldset, collectArgs, useArgValues } from '../tasks/ArgsFieldset';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The actions valid for a job in its current state (the DTO lists them; the
 * server refuses anything else with 409). Results and errors are announced in
 * a live region next to the buttons. The re-run form is the task's generated
 * argument fields, pre-filled with the job's arguments, when the task is in
 * the catalogue (`argsSchema`); a JSON editor otherwise.
 */
export function JobActions({ job, argsSchema }: { job: JobDTO; argsSchema?: Record<string, unknown> }) {
  const router = useRouter();
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const [rerunOpen, setRerunOpen] = useState(false);
  const [rerunArgs, setRerunArgs] = useState('');
  const [rerunError, setRerunError] = useState<string | undefined>();
  const [priority, setPriority] = useState(String(job.priority || ''));
  const [priorityError, setPriorityError] = useState<string | undefined>();
  const base = `/api/v1/queues/${seg(job.queue)}/jobs/${seg(job.id)}`;
  // Generated fields only when the schema has properties and the job's args are a plain object shown whole.
  const fields = useMemo(
    () => (argsSchema && isRecord(job.args) && !job.truncated.args ? fieldsFromSchema(argsSchema) : []),
    [argsSchema, job.args, job.truncated.args],
  );
  const generated = fields.length > 0;
  const argValues = useArgValues(fields, isRecord(job.args) ? job.args : undefined);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const tooLarge = Boolean(job.truncated.args);

  async function act(action: string, body?: unknown, done?: (r: unknown) => void) {
    setBusy(action);
    setMessage(null);
    try {
      const r = await api<unknown>(`${base}/${action}`, { method: 'POST', body: body ?? {} });
      done?.(r);
      return true;
    } catch (err) {
      setMessage(actionFailed(err));
      return false;
    } finally {
      setBusy(null);
    }
  }

  const has = (a: JobDTO['actions'][number]) => job.actions.includes(a);
  // Viewers and read-only sessions get no buttons (the server would refuse them with 403 anyway).
  const canWrite = useCanWrite();
  if (job.actions.length === 0 || !canWrite) return null;

  return (
    <section aria-label="Job actions" className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {has('retry') && (
          <Button
            disabled={busy !== null}
            onClick={() => act('retry', undefined, () => setMessage({ tone: 'ok', text: 'Retrying: the job is waiting again.' }))}
          >
            Retry
          </Button>
        )}
        {has('rerun') && (
          <Button
            variant="secondary"
            disabled={busy !== null}
            aria-expanded={rerunOpen}
            onClick={() => {
              setRerunArgs(JSON.stringify(job.args ?? {}, null, 2));
              if (generated) argValues.reset(fields, job.args as Record<string, unknown>);
              setRerunError(undefined);
              setFieldErrors({});
              setRerunOpen((o) => !o);
            }}
          >
            Re-run with edited arguments
          </Button>
        )}
        {has('promote') && (
          <Button
            variant="secondary"
            disabled={busy !== null}
            onClick={() => act('promote', undefined, () => setMessage({ tone: 'ok', text: 'Promoted: the job runs now.' }))}
          >
            Promote
          </Button>
        )}
        {has('cancel') && (
          <Button
            variant="danger"
            disabled={busy !== null}
            onClick={() => act('cancel', undefined, () => setMessage({ tone: 'ok', text: 'Cancel requested: the worker stops the job.' }))}
          >
            Cancel
          </Button>
        )}
        {has('remove') && (
          <Button
            variant="danger"
            disabled={busy !== null}
            onClick={() => {
              if (window.confirm(`Remove job ${job.id} from queue ${job.queue}? This cannot be undone.`)) {
                void act('remove', undefined, () => router.push(`/queues/${seg(job.queue)}`));
              }
            }}
          >
            Remove
          </Button>
        )}
      </div>

      {has('priority') && (
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(priority);
            setPriorityError(undefined);
            void act('priority', { priority: Number.isFinite(n) && priority.trim() !== '' ? n : priority }, () =>
              setMessage({ tone: 'ok', text: `Priority set to ${priority}.` }),
            ).then((ok) => !ok && setPriorityError('Not a valid priority (0 = none, 1 runs first)'));
          }}
        >
          <div className="w-40">
            <Field label="Priority" error={priorityError} help="0 = none; 1 runs first.">
              {(p) => <input {...p} inputMode="numeric" className={inputClass} value={priority} onChange={(e) => setPriority(e.target.value)} />}
            </Field>
          </div>
          <Button type="submit" variant="secondary" disabled={busy !== null} className="mb-6">
            Change priority
          </Button>
        </form>
      )}

      {rerunOpen && (
        <form
          aria-label="Re-run"
          noValidate
          className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
          onSubmit={(e) => {
            e.preventDefault();
            let body: { args?: unknown };
            if (tooLarge) body = {};
            else if (generated) {
              const { args, errors } = collectArgs(fields, argValues.values);
              if (Object.keys(errors).length) {
                setFieldErrors(errors);
                return;
              }
              body = { args };
            } else {
              try {
                body = { args: JSON.parse(rerunArgs) };
              } catch {
                setRerunError('Not valid JSON');
                return;
              }
            }
            setRerunError(undefined);
            setFieldErrors({});
            setBusy('rerun');
            api<{ queue: string; id: string }>(`${base}/rerun`, { method: 'POST', body }).then(
              (r) => router.push(`/queues/${seg(r.queue)}/jobs/${seg(r.id)}`),
              (err: unknown) => {
                setBusy(null);
                const b = err instanceof ApiError ? err.body : undefined;
                if (generated && b?.fields && Object.keys(b.fields).some((k) => k.startsWith('args.'))) {
                  setFieldErrors(Object.fromEntries(Object.entries(b.fields).map(([k, m]) => [k, /received undefined$/.test(m) ? 'Required' : m])));
                  return;
                }
                setRerunError(
                  b?.fields
                    ? Object.entries(b.fields)
                        .map(([k, v]) => `${k}: ${v}`)
                        .join('; ')
                    : err instanceof Error
                      ? err.message
                      : 'Re-run failed',
                );
              },
            );
          }}
        >
          <p className="text-sm text-slate-600 dark:text-slate-400">
            A new job of {job.name} on queue {job.queue}, linked to this one; this job stays as it is.
          </p>
          {tooLarge ? (
            <p className="text-sm">The arguments are too large to edit here: the new job gets the same arguments.</p>
          ) : generated ? (
            <ArgsFieldset fields={fields} values={argValues.values} errors={fieldErrors} onText={argValues.setText} onCheck={argValues.setCheck} />
          ) : (
            <Field label="Arguments (JSON)" error={rerunError} help="The new job gets these arguments.">
              {(p) => <textarea {...p} rows={6} className={`${inputClass} font-mono`} value={rerunArgs} onChange={(e) => setRerunArgs(e.target.value)} />}
            </Field>
          )}
          {(generated || tooLarge) && rerunError && (
            <p role="alert" className="text-sm text-rose-700 dark:text-rose-300">
              {rerunError}
            </p>
          )}
          <Button type="submit" disabled={busy !== null}>
            Re-run
          </Button>
        </form>
      )}

      <ActionStatus message={message} />
    </section>
  );
}
