import type { z } from 'zod';
import { InvalidError } from './errors';

/**
 * The field named by an issue about the whole value rather than one of its
 * fields (unknown keys of a strict body, a body that is not an object…): a
 * client always gets a non-empty `field` it can show next to something. The
 * query-string schemas have no root-level checks, so a body is the only root.
 */
export const ROOT_FIELD = 'body';

/** Dotted path of a zod issue, with an optional prefix (e.g. `args`); ROOT_FIELD for the root without a prefix. */
function pathOf(path: readonly PropertyKey[], prefix?: string): string {
  const parts = [...(prefix ? [prefix] : []), ...path.map(String)];
  return parts.join('.') || ROOT_FIELD;
}

/** Turn a zod error into an InvalidError naming every wrong field (the first one as `field`). */
export function invalidFromZod(error: z.ZodError, prefix?: string): InvalidError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[pathOf(issue.path, prefix)] ??= issue.message;
  const first = error.issues[0];
  const field = first ? pathOf(first.path, prefix) : (prefix ?? ROOT_FIELD);
  const message = first ? `${field}: ${first.message}` : 'Invalid input';
  return new InvalidError(message, field, first ? fields : { [field]: message });
}

/** Parse with a zod schema or throw an InvalidError (400 with the field). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidFromZod(r.error, prefix);
  return r.data;
}
