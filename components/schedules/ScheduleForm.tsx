'use client';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { FormFooter } from '../forms/FormFooter';
import { useRouter } from 'next/navigation';
import type { ScheduleDefinition } from '@/lib/scheduler/schedule-model';
import { api, ApiError, seg } from '../api';
import { Field, inputClass } from '../ui/Field';
import { fieldsFromSchema } from '../tasks/json-schema-fields';
import { ArgsFieldset, collectArgs, useArgValues } from '../tasks/ArgsFieldset';
import { TriggerEditor } from './TriggerEditor';
import { TriggerPreview, useTriggerPreview } from './TriggerPreview';
import { buildTrigger, triggerFields, type TriggerFields } from './trigger-fields';
import { browserZone } from './zones';
import { Notice } from '../ui/Notice';
import { useCanWrite } from '../auth/SessionProvider';

/** A task as the picker needs it (a subset of TaskDTO). */
export interface TaskOption {
  name: string;
  description?: string;
  queue: string;
  argsSchema: Record<string, unknown>;
  defaults: { attempts?: number; priority?: number };
}

/** A workflow as the picker needs it (a subset of WorkflowDefinitionDTO). */
export interface WorkflowOption {
  name: string;
  description?: string;
  queue: string;
  argsSchema: Record<string, unknown>;
}

type Kind = 'task' | 'workflow';

type Errors = Record<string, string>;

/** Error keys that have a place in the form; any other is listed above the submit button. */
function isShownKey(key: string, fields: { name: string }[], type: TriggerFields['type']): boolean {
  if (['name', 'description', 'task', 'workflow', 'queue', 'args', 'enabled', 'catchUp'].includes(key)) return true;
  if (key.startsWith('args.')) return fields.some((f) => `args.${f.name}` === key);
  if (['options.attempts', 'options.priority', 'options.backoff', 'options.backoff.type', 'options.backoff.delay'].includes(key)) return true;
  if (key === 'trigger' || key === 'trigger.type' || key === 'trigger.tz') return true;
  const triggerKeys: Record<TriggerFields['type'], string[]> = {
    interval: ['every', 'unit', 'anchor', 'startDate', 'endDate', 'limit'],
    cron: ['expression', 'startDate', 'endDate', 'limit'],
    once: ['at'],
  };
  return triggerKeys[type].some((k) => key === `trigger.${k}`);
}

/**
 * Create, edit or duplicate a schedule: name, task or workflow and its generated argument
 * fields, the trigger with presets and a live preview of the next runs (from
 * the server, so the preview is what will run), job options and switches.
 * Every error the server names is shown next to its field.
 */
export function ScheduleForm({
  mode,
  tasks,
  workflows = [],
  initial,
  duplicateOf,
}: {
  mode: 'create' | 'edit';
  tasks: TaskOption[];
  workflows?: WorkflowOption[];
  /** The schedule being edited, or the one being duplicated. */
  initial?: ScheduleDefinition;
  duplicateOf?: string;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(() => (mode === 'edit' ? (initial?.name ?? '') : duplicateOf ? `${duplicateOf} copy` : ''));
  const [description, setDescription] = useState(initial?.description ?? '');
  const [kind, setKind] = useState<Kind>(initial?.workflow !== undefined ? 'workflow' : 'task');
  // The name of the task or workflow, as `kind` says.
  const [task, setTask] = useState(initial?.workflow ?? initial?.task ?? '');
  const choices: (TaskOption | WorkflowOption)[] = kind === 'task' ? tasks : workflows;
  const taskOption = choices.find((t) => t.name === task);
  const initialName = initial?.workflow ?? initial?.task;
  const what = kind === 'task' ? 'task' : 'workflow';
  const argFields = useMemo(() => fieldsFromSchema(taskOption?.argsSchema), [taskOption]);
  const { values: argValues, setText, setCheck, reset: resetArgs } = useArgValues(argFields, initial?.args);
  const [trigger, setTrigger] = useState<TriggerFields>(() => triggerFields(initial?.trigger));
  const [attempts, setAttempts] = useState(initial?.options.attempts?.toString() ?? '');
  const [priority, setPriority] = useState(initial?.options.priority?.toString() ?? '');
  const [backoffType, setBackoffType] = useState<string>(initial?.options.backoff?.type ?? '');
  const [backoffDelay, setBackoffDelay] = useState(initial?.options.backoff?.delay.toString() ?? '');
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [catchUp, setCatchUp] = useState(initial?.catchUp ?? false);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const [zone, setZone] = useState<string | null>(null);

  // The browser's zone is the default of a new schedule. Only known here, not during the server render.
  useEffect(() => {
    const z = browserZone();
    setZone(z);
    setTrigger((t) => (t.tz ? t : { ...t, tz: z }));
  }, []);

  // After a rejected submit, take the keyboard to the first field that needs attention.
  useEffect(() => {
    if (focusRequest > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  const built = buildTrigger(trigger);
  // Wait for the browser's zone (set just after mounting) before the first preview.
  const triggerJson = zone !== null ? JSON.stringify(built.trigger) : null;
  // An edit that keeps a one-off's time may keep a time that has passed (the server allows it, compared as JSON like this);
  // the preview would call it "in the past", so it is not asked.
  const keptOnce =
    mode === 'edit' && initial?.trigger.type === 'once' && triggerJson === JSON.stringify(initial.trigger)
      ? `Unchanged: runs once on ${initial.trigger.at.replace('T', ' ')} ${initial.trigger.tz} (or has run then).`
      : undefined;
  const previewNote = built.missing ?? keptOnce;
  const preview = useTriggerPreview(previewNote ? null : triggerJson, name);

  // The preview's field errors show where the save's would; a save's own errors win until the trigger changes.
  const shownErrors: Errors = { ...preview.errors, ...errors };

  function changeTrigger(patch: Partial<TriggerFields>) {
    setTrigger((t) => ({ ...t, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('trigger'))));
  }

  function changeTask(next: string, nextKind: Kind = kind) {
    setTask(next);
    resetArgs(fieldsFromSchema((nextKind === 'task' ? tasks : workflows).find((t) => t.name === next)?.argsSchema));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !['task', 'workflow', 'queue'].includes(k) && !k.startsWith('args'))));
  }

  function changeKind(next: Kind) {
    setKind(next);
    changeTask(next === (initial?.workflow !== undefined ? 'workflow' : 'task') ? (initialName ?? '') : '', next);
  }

  function showErrors(raw: Errors, message?: string) {
    // zod says "expected number, received undefined" for an empty required field: say it plainly (as the Run form does).
    const found = Object.fromEntries(Object.entries(raw).map(([k, m]) => [k, /received undefined$/.test(m) ? 'Required' : m]));
    setErrors(found);
    const unplaced = Object.entries(found).filter(([k]) => !isShownKey(k, argFields, trigger.type));
    setFormError(unplaced.length > 0 ? unplaced.map(([k, v]) => `${k}: ${v}`).join(' · ') : (message ?? 'Some fields need attention.'));
    setFocusRequest((n) => n + 1);
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    const collected = collectArgs(argFields, argValues);
    const argErrors = collected.errors;
    // A task no worker advertises has no fields to fill: keep the schedule's own arguments (the server then says whether the task exists).
    const args = taskOption ? collected.args : initial && task === initialName ? initial.args : {};
    const clientErrors: Errors = { ...argErrors };
    if (!task) clientErrors[kind] = `Choose a ${what}`;

    const options: Record<string, unknown> = {};
    const num = (text: string) => {
      const n = Number(text.trim());
      return Number.isFinite(n) ? n : text;
    };
    if (kind === 'workflow') {
      // A workflow's steps run with their tasks' own options: the schedule sets none (see the note in the form).
    } else if (attempts.trim()) options.attempts = num(attempts);
    if (priority.trim()) options.priority = num(priority);
    if (backoffType) options.backoff = { type: backoffType, delay: backoffDelay.trim() ? num(backoffDelay) : undefined };
    else if (backoffDelay.trim()) clientErrors['options.backoff.type'] = 'Choose a backoff type for this delay';

    if (Object.keys(clientErrors).length) {
      showErrors(clientErrors);
      return;
    }
    const body = {
      name,
      ...(description.trim() ? { description } : {}),
      ...(kind === 'workflow' ? { workflow: task } : { task }),
      args,
      // Not editable here; kept so an edit or a copy does not move the runs to another queue.
      ...(initial?.queue && kind === 'task' ? { queue: initial.queue } : {}),
      options: kind === 'workflow' ? {} : options,
      enabled,
      catchUp,
      trigger: built.trigger,
    };
    setBusy(true);
    try {
      const saved =
        mode === 'edit' && initial
          ? await api<ScheduleDefinition>(`/api/v1/schedules/${seg(initial.name)}`, { method: 'PUT', body })
          : await api<ScheduleDefinition>('/api/v1/schedules', { method: 'POST', body });
      router.push(`/schedules/${seg(saved.name)}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 400 && (err.body.fields || err.body.field)) {
        showErrors(err.body.fields ?? { [err.body.field!]: err.body.message });
      } else if (err instanceof ApiError && err.status === 409 && mode === 'create') {
        showErrors({ name: err.body.message }, err.body.message);
      } else {
        setErrors({});
        setFormError(err instanceof Error ? err.message : 'The schedule could not be saved');
      }
    }
  }

  const opt = (key: string) => shownErrors[`options.${key}`];
  const ids = useId();
  const formName = mode === 'edit' ? `Edit schedule ${initial?.name ?? ''}` : 'New schedule';
  // Viewers cannot save schedules (the server would refuse with 403 anyway).
  const canWrite = useCanWrite();
  if (!canWrite) return <Notice title="Read-only">Your role can look at schedules but not create or change them.</Notice>;

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={formName} className="space-y-8">
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-base font-semibold">Schedule</legend>
        <Field
          label="Name"
          required
          help={mode === 'edit' ? 'A schedule cannot be renamed: duplicate it to get one under another name.' : 'Unique; shown in the table and in the URL.'}
          error={shownErrors.name}
        >
          {(p) => (
            <input
              {...p}
              className={`${inputClass} read-only:bg-slate-100 read-only:text-slate-600 dark:read-only:bg-slate-900 dark:read-only:text-slate-400`}
              value={name}
              readOnly={mode === 'edit'}
              autoComplete="off"
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <fieldset className="sm:col-span-2">
          <legend className="text-sm font-medium">Runs</legend>
          <div className="mt-1 flex gap-4 text-sm">
            {(['task', 'workflow'] as const).map((k) => (
              <label key={k} className="flex items-center gap-1.5">
                <input type="radio" name={`${ids}-kind`} value={k} checked={kind === k} onChange={() => changeKind(k)} />
                {k === 'task' ? 'A task' : 'A workflow'}
              </label>
            ))}
          </div>
        </fieldset>
        <Field
          label={kind === 'task' ? 'Task' : 'Workflow'}
          required
          help={taskOption ? `${sentence(taskOption.description)}Queue: ${taskOption.queue}.` : undefined}
          error={shownErrors[kind] ?? shownErrors.queue}
        >
          {(p) => (
            <select {...p} className={inputClass} value={task} onChange={(e) => changeTask(e.target.value)}>
              <option value="">Choose a {what}</option>
              {choices.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
              {task && !taskOption && <option value={task}>{task} (not in the catalogue)</option>}
            </select>
          )}
        </Field>
        <div className="sm:col-span-2">
          <Field label="Description" help="Optional: what this schedule is for." error={shownErrors.description}>
            {(p) => <textarea {...p} rows={2} className={inputClass} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>
      </fieldset>

      {task && !taskOption && (
        <p className="text-sm text-amber-800 dark:text-amber-200">
          No worker currently advertises the {what} “{task}”, so its arguments cannot be shown; saving keeps the current ones only if the {what} comes back.
        </p>
      )}
      {task ? (
        <ArgsFieldset of={kind} fields={argFields} values={argValues} errors={shownErrors} onText={setText} onCheck={setCheck} />
      ) : (
        <fieldset>
          <legend className="mb-2 text-base font-semibold">Arguments</legend>
          <p className="text-sm text-slate-600 dark:text-slate-400">Choose a {what} to see its arguments.</p>
        </fieldset>
      )}

      <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
        <TriggerEditor fields={trigger} onChange={changeTrigger} errors={shownErrors} browserZone={zone} />
        <TriggerPreview preview={preview} note={previewNote} zone={trigger.tz.trim() || 'UTC'} />
      </div>

      {kind === 'workflow' ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Each run starts the workflow as its Run form does; its steps use their tasks’ own job options (attempts, backoff).
        </p>
      ) : (
        <fieldset className="grid gap-4 sm:grid-cols-4">
          <legend className="mb-2 text-base font-semibold">Job options</legend>
          <Field
            label="Attempts"
            help={`Tries in all (task default: ${(taskOption as TaskOption | undefined)?.defaults.attempts ?? 1}).`}
            error={opt('attempts')}
          >
            {(p) => <input {...p} inputMode="numeric" className={inputClass} value={attempts} onChange={(e) => setAttempts(e.target.value)} />}
          </Field>
          <Field label="Priority" help="1 runs first; empty for none." error={opt('priority')}>
            {(p) => <input {...p} inputMode="numeric" className={inputClass} value={priority} onChange={(e) => setPriority(e.target.value)} />}
          </Field>
          <Field label="Backoff" help="How retries are spaced." error={opt('backoff.type') ?? opt('backoff')}>
            {(p) => (
              <select {...p} className={inputClass} value={backoffType} onChange={(e) => setBackoffType(e.target.value)}>
                <option value="">None</option>
                <option value="fixed">Fixed</option>
                <option value="exponential">Exponential</option>
              </select>
            )}
          </Field>
          <Field label="Backoff delay (ms)" help="Wait before the first retry." error={opt('backoff.delay')}>
            {(p) => <input {...p} inputMode="numeric" className={inputClass} value={backoffDelay} onChange={(e) => setBackoffDelay(e.target.value)} />}
          </Field>
        </fieldset>
      )}

      <fieldset className="space-y-3">
        <legend className="mb-2 text-base font-semibold">When it runs</legend>
        <Check
          id={`${ids}-enabled`}
          label="Enabled"
          help="A disabled schedule keeps its definition and runs nothing."
          checked={enabled}
          onChange={setEnabled}
          error={shownErrors.enabled}
        />
        <Check
          id={`${ids}-catchup`}
          label="Catch up once on resume"
          help="After workers were down, run one job for the slots missed meanwhile. Off: missed slots are listed as missed and not run."
          checked={catchUp}
          onChange={setCatchUp}
          error={shownErrors.catchUp}
        />
      </fieldset>

      <FormFooter
        error={formError}
        busy={busy}
        mode={mode}
        createLabel="Create schedule"
        cancelHref={mode === 'edit' && initial ? `/schedules/${seg(initial.name)}` : '/schedules'}
      />
    </form>
  );
}

/** "Adds two numbers" → "Adds two numbers. " (and no double full stop when it has one). */
function sentence(text: string | undefined): string {
  const t = text?.trim();
  if (!t) return '';
  return /[.!?]$/.test(t) ? `${t} ` : `${t}. `;
}

/** A checkbox with its label beside it, help and error linked by aria-describedby. */
function Check({
  id,
  label,
  help,
  checked,
  onChange,
  error,
}: {
  id: string;
  label: string;
  help: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  error?: string;
}) {
  const describedBy = [`${id}-help`, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        className="mt-0.5 h-4 w-4"
        checked={checked}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <p id={`${id}-help`} className="text-xs text-slate-500 dark:text-slate-400">
          {help}
        </p>
        {error && (
          <p id={`${id}-error`} className="text-sm text-rose-700 dark:text-rose-300">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}
