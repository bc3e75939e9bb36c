'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { fieldsFromSchema, initialText, valueFromText, type FieldSpec } from './json-schema-fields';

interface Props {
  task: { name: string; queue: string; argsSchema: Record<string, unknown>; defaults: { attempts?: number; priority?: number } };
}

type Errors = Record<string, string>;

/** The Run form of a task, generated from the JSON Schema of its arguments. */
export function RunTaskForm({ task }: Props) {
  const router = useRouter();
  const fields = useMemo(() => fieldsFromSchema(task.argsSchema), [task.argsSchema]);
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, initialText(f)])));
  const [checks, setChecks] = useState<Record<string, boolean>>(() => Object.fromEntries(fields.map((f) => [f.name, f.defaultValue === true])));
  const [delay, setDelay] = useState('');
  const [attempts, setAttempts] = useState('');
  const [priority, setPriority] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // After a failed submit, take the keyboard to the first field that needs attention.
  useEffect(() => {
    if (Object.keys(errors).length) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    const clientErrors: Errors = {};
    const args: Record<string, unknown> = {};
    for (const f of fields) {
      const r = valueFromText(f, texts[f.name] ?? '', checks[f.name] ?? false);
      if (r.error) clientErrors[`args.${f.name}`] = r.error;
      else if (r.value !== undefined) args[f.name] = r.value;
    }
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
      if (err instanceof ApiError && err.status === 400 && (err.body.fields || err.body.field)) {
        const fieldErrors = err.body.fields ?? { [err.body.field!]: err.body.message };
        setErrors(fieldErrors);
        const shown = Object.keys(fieldErrors).some((k) => k.startsWith('args.') || k.startsWith('options.'));
        setFormError(shown ? 'Some fields need attention.' : err.body.message);
      } else {
        setErrors({});
        setFormError(err instanceof Error ? err.message : 'The job could not be created');
      }
    }
  }

  const optionError = (key: string) => errors[`options.${key}`];

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={`Run ${task.name}`} className="space-y-6">
      <fieldset className="space-y-4">
        <legend className="mb-2 text-base font-semibold">Arguments</legend>
        {fields.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">This task takes no arguments.</p>}
        {fields.map((f) => (
          <ArgField
            key={f.name}
            field={f}
            text={texts[f.name] ?? ''}
            checked={checks[f.name] ?? false}
            error={errors[`args.${f.name}`]}
            onText={(v) => setTexts((t) => ({ ...t, [f.name]: v }))}
            onCheck={(v) => setChecks((c) => ({ ...c, [f.name]: v }))}
          />
        ))}
        {errors.args && <p className="text-sm text-rose-700 dark:text-rose-300">{errors.args}</p>}
      </fieldset>
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

function ArgField({
  field: f,
  text,
  checked,
  error,
  onText,
  onCheck,
}: {
  field: FieldSpec;
  text: string;
  checked: boolean;
  error?: string;
  onText: (v: string) => void;
  onCheck: (v: boolean) => void;
}) {
  const typeHint = f.kind === 'json' ? 'JSON' : f.kind === 'enum' ? 'one of the choices' : f.kind;
  const range = f.minimum !== undefined || f.maximum !== undefined ? ` Range: ${f.minimum ?? '−∞'} to ${f.maximum ?? '∞'}.` : '';
  const dflt = f.defaultValue !== undefined ? ` Default: ${JSON.stringify(f.defaultValue)}.` : '';
  const help = `${f.description ? f.description + '. ' : ''}Type: ${typeHint}.${range}${dflt}`;
  if (f.kind === 'boolean') {
    return (
      <Field label={f.name} required={f.required} help={help} error={error}>
        {(p) => <input {...p} type="checkbox" className="h-4 w-4" checked={checked} onChange={(e) => onCheck(e.target.checked)} />}
      </Field>
    );
  }
  return (
    <Field label={f.name} required={f.required} help={help} error={error}>
      {(p) =>
        f.kind === 'enum' ? (
          <select {...p} className={inputClass} value={text} onChange={(e) => onText(e.target.value)}>
            {!f.required && <option value="">(default)</option>}
            {f.options!.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        ) : f.kind === 'json' ? (
          <textarea {...p} rows={4} className={`${inputClass} font-mono`} value={text} onChange={(e) => onText(e.target.value)} />
        ) : (
          <input
            {...p}
            inputMode={f.kind === 'integer' ? 'numeric' : f.kind === 'number' ? 'decimal' : undefined}
            className={inputClass}
            value={text}
            onChange={(e) => onText(e.target.value)}
          />
        )
      }
    </Field>
  );
}
