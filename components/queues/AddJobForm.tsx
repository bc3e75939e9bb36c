'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { useCanWrite } from '../auth/SessionProvider';

/**
 * Add a job to a queue: Celerity's tasks on this queue through their
 * generated forms (links), and a raw job — a name and JSON data — for any
 * queue, which is the only way for queues filled by other producers.
 */
export function AddJobForm({ queue, tasks }: { queue: string; tasks: string[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [data, setData] = useState('{}');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  // Viewers cannot add jobs (the server would refuse with 403 anyway).
  const canWrite = useCanWrite();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      setErrors({ data: 'Not valid JSON' });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const job = await api<{ queue: string; id: string }>(`/api/v1/queues/${seg(queue)}/jobs`, { method: 'POST', body: { name, data: parsed } });
      router.push(`/queues/${seg(job.queue)}/jobs/${seg(job.id)}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.body.fields) setErrors(err.body.fields);
      else setErrors({ form: err instanceof Error ? err.message : 'The job could not be added' });
    }
  }

  if (!canWrite) return null;

  return (
    <section aria-label="Add a job" className="space-y-3">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {tasks.length > 0 && (
          <>
            <span className="text-slate-600 dark:text-slate-400">Run a task on this queue:</span>
            {tasks.map((t) => (
              <Link
                key={t}
                href={`/tasks/${seg(t)}`}
                className="rounded-md px-2 py-1 text-indigo-700 ring-1 ring-slate-200 hover:bg-slate-100 dark:text-indigo-300 dark:ring-slate-700"
              >
                Run {t}
              </Link>
            ))}
          </>
        )}
        <Button variant="secondary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          Add a raw job…
        </Button>
      </div>
      {open && (
        <form aria-label="Add a raw job" onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-[16rem_1fr]">
          <Field label="Job name" required error={errors.name} help="The name a worker dispatches on (a task name for Celerity).">
            {(p) => <input {...p} className={inputClass} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Data (JSON)" error={errors.data} help="Stored as the job's data, exactly as given.">
            {(p) => <textarea {...p} rows={4} className={`${inputClass} font-mono`} value={data} onChange={(e) => setData(e.target.value)} />}
          </Field>
          {errors.form && (
            <p role="alert" className="text-sm text-rose-700 sm:col-span-2 dark:text-rose-300">
              {errors.form}
            </p>
          )}
          <div className="sm:col-span-2">
            <Button type="submit" disabled={busy}>
              Add job
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
