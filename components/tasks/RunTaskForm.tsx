'use client';
import { useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import { api, seg } from '../api';
import { submitErrors } from '../forms/submit-errors';
import { useFocusFirstInvalid } from '../forms/use-focus-first-invalid';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { Notice } from '../ui/Notice';
import { useCanWrite } from '../auth/SessionProvider';
import { fieldsFromSchema } from './json-schema-fields';
import { ArgsFieldset, collectArgs, useArgValues } from './ArgsFieldset';

interface Props {
  task: { name: string; queue: string; argsSchema: Record<string, unknown>; defaults: { attempts?: number; priority?: number } };
}

type Errors = Record<string, string>;

/** The Run form of a task, generated from the JSON Schema of its arguments. */
export function RunTaskForm({ task }: Props) {
  const router = useRouter();
  const fields = useMemo(() => fieldsFromSchema(task.argsSchema), [task.argsSchema]);
  const { values, setText, setCheck } = useArgValues(fields);
  const [delay, setDelay] = useState('');
  const [attempts, setAttempts] = useState('');
  const [priority, setPriority] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useFocusFirstInvalid(errors);
  const canWrite = useCanWrite();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    const { args, errors: clientErrors } = collectArgs(fields, values);
    const options: Record<string, unknown> = {};
    const num = (key: string, text: string, scale = 1) => {
      if (text.trim() === '') return;
      const n = Number(text);
      options[key] = Number.isFinite(n) ? Math.round(n * scale) : text;
    };
    num('delay', delay, 1000);
    num('attempts', attempts);
    num('priority', priority);
    if (Object.keys(clientErrors).length) {
      setErrors(clientErrors);
      return;
    }
    setBusy(true);
    try {
      const job = await api<{ queue: string; id: string }>(`/api/v1/tasks/${seg(task.name)}/runs`, { method: 'POST', body: { args, options } });
      setErrors({});
      router.push(`/queues/${seg(job.queue)}/jobs/${seg(job.id)}`);
    } catch (err) {
      setBusy(false);
      const shown = submitErrors(err, ['args.', 'options.'], 'The job could not be created');
      setErrors(shown.errors);
      setFormError(shown.formError);
    }
  }

  const optionError = (key: string) => errors[`options.${key}`];

  // Viewers cannot run tasks (the server would refuse with 403 anyway).
  if (!canWrite) return <Notice title="Read-only">Your role can look at tasks but not run them.</Notice>;

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={`Run ${task.name}`} className="space-y-6">
      <ArgsFieldset fields={fields} values={values} errors={errors} onText={setText} onCheck={setCheck} />
      <fieldset className="grid gap-4 sm:grid-cols-3">
        <legend className="mb-2 text-base font-semibold">Options</legend>
        <Field label="Delay (seconds)" help="Wait this long before the job may run." error={optionError('delay')}>
          {(p) => <input {...p} inputMode="decimal" className={inputClass} value={delay} onChange={(e) => setDelay(e.target.value)} />}
        </Field>
        <Field label="Attempts" help={`Tries in all (task default: ${task.defaults.attempts ?? 1}).`} error={optionError('attempts')}>
          {(p) => <input {...p} inputMode="numeric" className={inputClass} value={attempts} onChange={(e) => setAttempts(e.target.value)} />}
        </Field>
        <Field label="Priority" help="1 runs first; empty for none." error={optionError('priority')}>
          {(p) => <input {...p} inputMode="numeric" className={inputClass} value={priority} onChange={(e) => setPriority(e.target.value)} />}
        </Field>
      </fieldset>
      {formError && (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {formError}
        </p>
      )}
      <Button type="submit" disabled={busy}>
        {busy ? 'Starting…' : `Run ${task.name}`}
      </Button>
    </form>
  );
}
