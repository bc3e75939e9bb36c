import type { z } from 'zod';
import { InvalidError } from './errors';

/** Dotted path of a zod issue, with an optional prefix (e.g. `args`). */
function pathOf(path: readonly PropertyKey[], prefix?: string): string {
  const parts = [...(prefix ? [prefix] : []), ...path.map(String)];
  return parts.join('.');
}

/** Turn a zod error into an InvalidError naming every wrong field (the first one as `field`). */
export function invalidFromZod(error: z.ZodError, prefix?: string): InvalidError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const p = pathOf(issue.path, prefix) || prefix || '';
    fields[p] ??= issue.message;
  }
  const first = error.issues[0];
  const field = first ? pathOf(first.path, prefix) || prefix : prefix;
  const message = first ? `${field ? `${field}: ` : ''}${first.message}` : 'Invalid input';
  return new InvalidError(message, field || undefined, fields);
}

/** Parse with a zod schema or throw an InvalidError (400 with the field). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidFromZod(r.error, prefix);
  return r.data;
}
