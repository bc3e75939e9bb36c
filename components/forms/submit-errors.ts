import { ApiError } from '../api';

/** What a form shows after a refused submit: a message per field and one for the form. */
export interface SubmitErrors {
  errors: Record<string, string>;
  formError: string;
}

/**
 * The errors to show for `err`, thrown by a form's POST. A 400 naming fields puts each message under its
 * field; when one of them is a field of this form (its key starts with one of `shownPrefixes`) the form
 * just says to look at them, else it repeats the server's message. Anything else is the form's message
 * (`fallback` when `err` has none).
 */
export function submitErrors(err: unknown, shownPrefixes: string[], fallback: string): SubmitErrors {
  if (err instanceof ApiError && err.status === 400 && (err.body.fields || err.body.field)) {
    const raw = err.body.fields ?? { [err.body.field!]: err.body.message };
    // zod says "expected number, received undefined" for an empty required field: say it plainly.
    const errors = Object.fromEntries(Object.entries(raw).map(([k, m]) => [k, /received undefined$/.test(m) ? 'Required' : m]));
    const shown = Object.keys(errors).some((k) => shownPrefixes.some((p) => k.startsWith(p)));
    return { errors, formError: shown ? 'Some fields need attention.' : err.body.message };
  }
  return { errors: {}, formError: err instanceof Error ? err.message : fallback };
}
