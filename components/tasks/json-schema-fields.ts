/**
 * The subset of JSON Schema that task argument forms understand, read
 * defensively: the schema comes from Redis, written by any worker.
 */
export interface FieldSpec {
  name: string;
  kind: 'number' | 'integer' | 'string' | 'boolean' | 'enum' | 'json';
  required: boolean;
  description?: string;
  defaultValue?: unknown;
  options?: string[];
  minimum?: number;
  maximum?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Form fields for an object schema's properties, in declaration order. */
export function fieldsFromSchema(schema: unknown): FieldSpec[] {
  if (!isObj(schema) || !isObj(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((x): x is string => typeof x === 'string') : []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const p = isObj(raw) ? raw : {};
    const type = typeof p.type === 'string' ? p.type : undefined;
    const options = Array.isArray(p.enum) && p.enum.every((x) => typeof x === 'string') ? (p.enum as string[]) : undefined;
    const kind: FieldSpec['kind'] = options ? 'enum' : type === 'number' || type === 'integer' || type === 'string' || type === 'boolean' ? type : 'json';
    return {
      name,
      kind,
      required: required.has(name),
      description: typeof p.description === 'string' ? p.description : undefined,
      defaultValue: p.default,
      options,
      minimum: typeof p.minimum === 'number' ? p.minimum : undefined,
      maximum: typeof p.maximum === 'number' ? p.maximum : undefined,
    };
  });
}

/** The initial text of a field's input. */
export function initialText(f: FieldSpec): string {
  if (f.defaultValue === undefined) return '';
  if (f.kind === 'json') return JSON.stringify(f.defaultValue, null, 2);
  return String(f.defaultValue);
}

/** The text of a field's input for a value already chosen (editing a schedule's arguments). */
export function textFromValue(f: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return f.kind === 'json' && value === null ? 'null' : '';
  if (f.kind === 'json' || typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * Turn what the user typed into the value to send. Text that is not a number
 * in a number field is sent as it is, so the server's validation names the field.
 * Returns `undefined` for "leave it out" (empty, optional or defaulted).
 */
export function valueFromText(f: FieldSpec, text: string, checked: boolean): { value?: unknown; error?: string } {
  if (f.kind === 'boolean') return { value: checked };
  if (text.trim() === '') return {};
  if (f.kind === 'number' || f.kind === 'integer') {
    const n = Number(text.trim());
    return { value: Number.isFinite(n) ? n : text };
  }
  if (f.kind === 'json') {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { error: 'Not valid JSON' };
    }
  }
  return { value: text };
}
