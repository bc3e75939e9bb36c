'use client';
import { useId, useState } from 'react';
import { FormFooter } from '../../forms/FormFooter';
import { useRouter } from 'next/navigation';
import { RULE_KINDS, type AlertRule, type RuleKind } from '@/lib/alerts/rule-model';
import { api, ApiError, seg } from '../../api';
import { Field, inputClass } from '../../ui/Field';
import { Notice } from '../../ui/Notice';
import { submitErrors } from '../../forms/submit-errors';
import { useFocusFirstInvalid } from '../../forms/use-focus-first-invalid';
import { useSession } from '../../auth/SessionProvider';
import { buildRule, KIND_FIELDS, KIND_LABELS, NUMBER_FIELDS, ruleFields, SETTINGS_FIELDS, type NumberField, type RuleFields } from './rule-fields';
import { useRulePreview } from './use-rule-preview';
import { RulePreview } from './RulePreview';
import { ChannelChoice, type ChannelOption } from './ChannelChoice';

/** What the target pickers offer: the names the console knows now. */
export interface RuleTargets {
  queues: string[];
  tasks: { name: string; queue: string }[];
  schedules: string[];
  channels: ChannelOption[];
}

/** Keys with a place in this form (anything else is listed above the button). */
const PLACED = ['name', 'kind', 'description', 'queue', 'task', 'schedule', 'on', 'channels', 'enabled', ...Object.keys(NUMBER_FIELDS)];

/** The fields the preview needs before it can read anything (a target), else what to say instead. */
function previewNote(f: RuleFields): string | undefined {
  const t = KIND_FIELDS[f.kind].target;
  if (t === 'scope' && !(f.scope === 'task' ? f.task : f.queue)) return `Choose a ${f.scope} to see its current value.`;
  if (t === 'queue' && !f.queue) return 'Choose a queue to see its current value.';
  if (t === 'schedule' && !f.schedule) return 'Choose a schedule to see its current value.';
  return undefined;
}

/**
 * Create or edit an alert rule: the kind picks the fields, the targets come
 * from the console's queues, tasks and schedules, and a live preview reads the
 * unsaved rule's current value from the server. Every error the server names
 * shows under its field; a refused save stores nothing (the API checks it all first).
 */
export function RuleForm({ mode, initial, targets }: { mode: 'create' | 'edit'; initial?: AlertRule; targets: RuleTargets }) {
  const router = useRouter();
  const { isAdmin } = useSession();
  const [fields, setFields] = useState<RuleFields>(() => ruleFields(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const formRef = useFocusFirstInvalid(errors);
  const ids = useId();

  const note = previewNote(fields);
  const preview = useRulePreview(note ? null : JSON.stringify({ ...buildRule(fields), name: fields.name.trim() || 'preview' }));
  // The preview's field errors show where a save's would (only on fields already filled in: an empty one is not
  // wrong yet); the save's own win.
  const shown = { ...filledOnly(preview.errors, fields), ...errors };

  function change(patch: Partial<RuleFields>) {
    setFields((f) => ({ ...f, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !Object.keys(patch).includes(k))));
  }
  function changeNumber(key: NumberField, text: string) {
    setFields((f) => ({ ...f, numbers: { ...f.numbers, [key]: text } }));
    setErrors(({ [key]: _dropped, ...rest }) => rest);
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFormError('');
    const body = buildRule(fields);
    try {
      if (mode === 'edit' && initial) await api(`/api/v1/alerts/rules/${seg(initial.name)}`, { method: 'PUT', body });
      else await api('/api/v1/alerts/rules', { method: 'POST', body });
      router.push('/alerts/rules');
      router.refresh();
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 409) {
        setErrors({ name: err.body.message });
        setFormError(err.body.message);
        return;
      }
      const s = submitErrors(err, PLACED, 'The rule could not be saved');
      // `channels.1`: show it on the channel list.
      const errs = Object.fromEntries(Object.entries(s.errors).map(([k, v]) => [k.startsWith('channels.') ? 'channels' : k, v]));
      setErrors(errs);
      const unplaced = Object.entries(errs).filter(([k]) => !PLACED.includes(k));
      setFormError(unplaced.length ? unplaced.map(([k, v]) => `${k}: ${v}`).join(' · ') : s.formError);
    }
  }

  if (!isAdmin) return <Notice title="Read-only">Only admins create and change alert rules.</Notice>;
  const shape = KIND_FIELDS[fields.kind];
  const number = (key: NumberField) => (
    <Field key={key} label={NUMBER_FIELDS[key].label} help={NUMBER_FIELDS[key].help} error={shown[key]}>
      {(p) => (
        <input
          {...p}
          inputMode="decimal"
          autoComplete="off"
          className={inputClass}
          value={fields.numbers[key] ?? ''}
          onChange={(e) => changeNumber(key, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={mode === 'edit' ? `Edit rule ${initial?.name ?? ''}` : 'New rule'} className="space-y-8">
      <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
        <div className="space-y-6">
          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-base font-semibold">Rule</legend>
            <Field label="Name" required help={mode === 'edit' ? 'A rule cannot be renamed.' : 'Unique: letters, digits, ".", "_" and "-".'} error={shown.name}>
              {(p) => (
                <input
                  {...p}
                  className={`${inputClass} read-only:bg-slate-100 read-only:text-slate-600 dark:read-only:bg-slate-900 dark:read-only:text-slate-400`}
                  value={fields.name}
                  readOnly={mode === 'edit'}
                  autoComplete="off"
                  onChange={(e) => change({ name: e.target.value })}
                />
              )}
            </Field>
            <Field label="Kind" required error={shown.kind}>
              {(p) => (
                <select {...p} className={inputClass} value={fields.kind} onChange={(e) => change({ kind: e.target.value as RuleKind })}>
                  {RULE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {KIND_LABELS[k]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div className="sm:col-span-2">
              <Field label="Description" help="Optional: what this rule is for." error={shown.description}>
                {(p) => (
                  <textarea {...p} rows={2} className={inputClass} value={fields.description} onChange={(e) => change({ description: e.target.value })} />
                )}
              </Field>
            </div>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-base font-semibold">Condition</legend>
            {shape.target === 'scope' && (
              <Field label="Counts the jobs of">
                {(p) => (
                  <select {...p} className={inputClass} value={fields.scope} onChange={(e) => change({ scope: e.target.value as RuleFields['scope'] })}>
                    <option value="queue">a queue</option>
                    <option value="task">a task</option>
                  </select>
                )}
              </Field>
            )}
            {(shape.target === 'queue' || shape.target === 'optional-queue' || (shape.target === 'scope' && fields.scope === 'queue')) && (
              <Field
                label="Queue"
                required={shape.target !== 'optional-queue'}
                help={shape.target === 'optional-queue' ? 'Only workers that served this queue (empty: every worker).' : undefined}
                error={shown.queue}
              >
                {(p) => (
                  <select {...p} className={inputClass} value={fields.queue} onChange={(e) => change({ queue: e.target.value })}>
                    <option value="">{shape.target === 'optional-queue' ? 'Every queue' : 'Choose a queue'}</option>
                    {withCurrent(targets.queues, fields.queue).map((q) => (
                      <option key={q} value={q}>
                        {q}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {shape.target === 'scope' && fields.scope === 'task' && (
              <Field label="Task" required error={shown.task ?? shown.queue}>
                {(p) => (
                  <select {...p} className={inputClass} value={fields.task} onChange={(e) => change({ task: e.target.value })}>
                    <option value="">Choose a task</option>
                    {withCurrent(
                      targets.tasks.map((t) => t.name),
                      fields.task,
                    ).map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            {shape.target === 'schedule' && (
              <>
                <Field label="Schedule" required error={shown.schedule}>
                  {(p) => (
                    <select {...p} className={inputClass} value={fields.schedule} onChange={(e) => change({ schedule: e.target.value })}>
                      <option value="">Choose a schedule</option>
                      {withCurrent(targets.schedules, fields.schedule).map((s) => (
                        <option key={s} value={s}>
                          {s}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Fires when" error={shown.on}>
                  {(p) => (
                    <select {...p} className={inputClass} value={fields.on} onChange={(e) => change({ on: e.target.value as RuleFields['on'] })}>
                      <option value="missed_or_failed">it missed a slot or its last run failed</option>
                      <option value="missed">it missed a slot</option>
                      <option value="failed">its last run failed</option>
                    </select>
                  )}
                </Field>
              </>
            )}
            {shape.numbers.map(number)}
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-base font-semibold">Notifications</legend>
            {SETTINGS_FIELDS.map(number)}
            <div className="sm:col-span-2">
              <ChannelChoice options={targets.channels} chosen={fields.channels} error={shown.channels} onChange={(channels) => change({ channels })} />
            </div>
            <div className="flex items-start gap-2 sm:col-span-2">
              <input
                id={`${ids}-enabled`}
                type="checkbox"
                className="mt-0.5 h-4 w-4"
                checked={fields.enabled}
                aria-describedby={`${ids}-enabled-help`}
                onChange={(e) => change({ enabled: e.target.checked })}
              />
              <div>
                <label htmlFor={`${ids}-enabled`} className="text-sm font-medium">
                  Enabled
                </label>
                <p id={`${ids}-enabled-help`} className="text-xs text-slate-500 dark:text-slate-400">
                  A disabled rule keeps its definition and is not evaluated.
                </p>
              </div>
            </div>
          </fieldset>
        </div>
        <RulePreview preview={preview} note={note} />
      </div>

      <FormFooter error={formError} busy={busy} mode={mode} createLabel="Create rule" cancelHref="/alerts/rules" />
    </form>
  );
}

/** Errors of fields that have a value: the preview must not call an untouched field wrong. */
function filledOnly(errors: Record<string, string>, f: RuleFields): Record<string, string> {
  const filled = (k: string) => (k in NUMBER_FIELDS ? (f.numbers[k as NumberField] ?? '').trim() !== '' : k !== 'name' || f.name.trim() !== '');
  return Object.fromEntries(Object.entries(errors).filter(([k]) => filled(k)));
}

/** The names to offer, with the current value kept even when it no longer exists (an edited rule's vanished queue). */
function withCurrent(names: string[], current: string): string[] {
  return current && !names.includes(current) ? [...names, current] : names;
}
