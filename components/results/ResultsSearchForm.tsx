'use client';
import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { resultsQuery, type ResultsFormValues } from './results-query';

/** A datetime-local input's value for a moment, in the viewer's zone. */
function toLocalInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The search form of the results page. The time fields are in the viewer's
 * own time zone and go to the URL as ISO instants, so a shared link means the
 * same window for everyone.
 */
export function ResultsSearchForm({ initial, tasks, queues }: { initial: ResultsFormValues; tasks: string[]; queues: string[] }) {
  const router = useRouter();
  const [task, setTask] = useState(initial.task ?? '');
  const [queue, setQueue] = useState(initial.queue ?? '');
  const [state, setState] = useState(initial.state ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [q, setQ] = useState(initial.q ?? '');
  const [error, setError] = useState<string | null>(null);
  // The zone is the browser's: fill the time fields once there.
  useEffect(() => {
    setFrom(toLocalInput(initial.from));
    setTo(toLocalInput(initial.to));
  }, [initial.from, initial.to]);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const f = from ? new Date(from).getTime() : undefined;
    const t = to ? new Date(to).getTime() : undefined;
    if ((f !== undefined && !Number.isFinite(f)) || (t !== undefined && !Number.isFinite(t))) return setError('Not a valid date and time');
    if (f !== undefined && t !== undefined && f > t) return setError('“From” is after “To”');
    setError(null);
    const sp = resultsQuery({
      task: task.trim() || undefined,
      queue: queue || undefined,
      state: (state || undefined) as ResultsFormValues['state'],
      from: f,
      to: t,
      q: q || undefined,
    });
    const qs = sp.toString();
    router.push(qs ? `/results?${qs}` : '/results');
  }

  return (
    <form role="search" aria-label="Search results" onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6">
      <Field label="Task">
        {(p) => (
          <>
            <input {...p} list="results-tasks" className={inputClass} value={task} onChange={(e) => setTask(e.target.value)} autoComplete="off" />
            <datalist id="results-tasks">
              {tasks.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label="Queue">
        {(p) => (
          <select {...p} className={inputClass} value={queue} onChange={(e) => setQueue(e.target.value)}>
            <option value="">All queues</option>
            {queues.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="State">
        {(p) => (
          <select {...p} className={inputClass} value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">Completed or failed</option>
            <option value="completed">Completed</option>
            <option value="failed">Failed</option>
          </select>
        )}
      </Field>
      <Field label="Finished from">
        {(p) => <input {...p} type="datetime-local" className={inputClass} value={from} onChange={(e) => setFrom(e.target.value)} />}
      </Field>
      <Field label="Finished to">
        {(p) => <input {...p} type="datetime-local" className={inputClass} value={to} onChange={(e) => setTo(e.target.value)} />}
      </Field>
      <Field label="Text in arguments, result or error">
        {(p) => <input {...p} type="search" className={inputClass} value={q} onChange={(e) => setQ(e.target.value)} maxLength={200} />}
      </Field>
      <div className="flex items-center gap-3 sm:col-span-3 lg:col-span-6">
        <Button type="submit">Search</Button>
        {error && (
          <p role="alert" className="text-sm text-rose-700 dark:text-rose-300">
            {error}
          </p>
        )}
      </div>
    </form>
  );
}
