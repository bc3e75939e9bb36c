'use client';
import { useCallback, useState } from 'react';
import { ArgField } from './ArgField';
import { initialText, textFromValue, valueFromText, type FieldSpec } from './json-schema-fields';

/** What the user typed into the argument fields: text per field, and the checkboxes' state. */
export interface ArgValues {
  texts: Record<string, string>;
  checks: Record<string, boolean>;
}

/** The fields' initial values: `args` when given (editing a schedule), else each schema default. */
export function initialArgValues(fields: FieldSpec[], args?: Record<string, unknown>): ArgValues {
  const has = (f: FieldSpec) => args !== undefined && Object.hasOwn(args, f.name);
  return {
    texts: Object.fromEntries(fields.map((f) => [f.name, has(f) ? textFromValue(f, args![f.name]) : initialText(f)])),
    checks: Object.fromEntries(fields.map((f) => [f.name, has(f) ? args![f.name] === true : f.defaultValue === true])),
  };
}

/** The argument values as state, with setters for {@link ArgsFieldset} and `reset` for a new task. */
export function useArgValues(fields: FieldSpec[], args?: Record<string, unknown>) {
  const [values, setValues] = useState<ArgValues>(() => initialArgValues(fields, args));
  const setText = useCallback((name: string, v: string) => setValues((s) => ({ ...s, texts: { ...s.texts, [name]: v } })), []);
  const setCheck = useCallback((name: string, v: boolean) => setValues((s) => ({ ...s, checks: { ...s.checks, [name]: v } })), []);
  const reset = useCallback((next: FieldSpec[], nextArgs?: Record<string, unknown>) => setValues(initialArgValues(next, nextArgs)), []);
  return { values, setText, setCheck, reset };
}

/**
 * The `args` object to send, and the errors found before sending (JSON that
 * does not parse), keyed `args.<field>` like the server's.
 */
export function collectArgs(fields: FieldSpec[], values: ArgValues): { args: Record<string, unknown>; errors: Record<string, string> } {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const r = valueFromText(f, values.texts[f.name] ?? '', values.checks[f.name] ?? false);
    if (r.error) errors[`args.${f.name}`] = r.error;
    else if (r.value !== undefined) args[f.name] = r.value;
  }
  return { args, errors };
}

/** The "Arguments" fieldset of a task form: one field per schema property, errors `args.<name>` under each. */
export function ArgsFieldset({
  fields,
  values,
  errors,
  onText,
  onCheck,
  of = 'task',
}: {
  fields: FieldSpec[];
  values: ArgValues;
  errors: Record<string, string>;
  onText: (name: string, v: string) => void;
  onCheck: (name: string, v: boolean) => void;
  /** Whose arguments these are, for the words when there are none. */
  of?: 'task' | 'workflow';
}) {
  return (
    <fieldset className="space-y-4">
      <legend className="mb-2 text-base font-semibold">Arguments</legend>
      {fields.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">This {of} takes no arguments.</p>}
      {/* The key to the asterisk, for the eye only: each required input carries `required`, which assistive tech announces. */}
      {fields.some((f) => f.required) && (
        <p aria-hidden="true" className="text-xs text-slate-600 dark:text-slate-400">
          <span className="text-rose-600">*</span> marks a required field.
        </p>
      )}
      {fields.map((f) => (
        <ArgField
          key={f.name}
          field={f}
          text={values.texts[f.name] ?? ''}
          checked={values.checks[f.name] ?? false}
          error={errors[`args.${f.name}`]}
          onText={(v) => onText(f.name, v)}
          onCheck={(v) => onCheck(f.name, v)}
        />
      ))}
      {errors.args && <p className="text-sm text-rose-700 dark:text-rose-300">{errors.args}</p>}
    </fieldset>
  );
}
