import { Field, inputClass } from '../ui/Field';
import type { FieldSpec } from './json-schema-fields';

/**
 * One argument of a task, rendered from its JSON Schema property: a checkbox,
 * a select of the enum's choices, a JSON textarea or a text input, with help
 * (description, type, range, default) and the error under it. Shared by the
 * Run form and the schedule form so both read the same schema the same way.
 */
export function ArgField({
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
