/**
 * A task's retry policy (Celery's `autoretry_for`): with `retryOn`, only the
 * errors it names are retried (while attempts remain); any other error fails
 * the job at once (the worker throws BullMQ's UnrecoverableError for it).
 * Without `retryOn`, every error is retried (BullMQ's own behaviour).
 */

/** An error class (`TypeError`, your own `class RateLimited extends Error`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/** Error classes (matched with `instanceof`) or error names (matched with `error.name`, e.g. `'TimeLimitExceeded'`). */
export type RetryOn = readonly (ErrorClass | string)[];

/** Check a task's `retryOn`; a wrong one throws naming the field. */
export function resolveRetryOn(task: string, input: unknown): RetryOn | undefined {
  if (input === undefined) return undefined;
  const ok = Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'function' || (typeof x === 'string' && x.trim() !== ''));
  if (!ok) throw new Error(`Invalid retryOn for task "${task}": a non-empty list of error classes or error names`);
  return input as RetryOn;
}

/** Whether `err` may be retried under the policy. */
export function isRetryable(retryOn: RetryOn | undefined, err: unknown): boolean {
  if (!retryOn) return true;
  const name = (err as Error | null)?.name;
  // An error from an isolated attempt's process is a copy (lib/worker/isolated-run.ts): its class is matched by name.
  const copied = (err as { isolated?: boolean } | null)?.isolated === true;
  return retryOn.some((r) => (typeof r === 'string' ? r === name : err instanceof r || (copied && r.name === name)));
}

/** The names the catalogue can publish (classes by their name). */
export const retryOnNames = (retryOn: RetryOn): string[] => retryOn.map((r) => (typeof r === 'string' ? r : r.name));
