import { z } from 'zod';
import { concurrencyCountSchema, parseRate, MAX_CONCURRENCY, type Throttle } from '../registry/task-throttle';

/**
 * A task's live override, set by an admin from the console (no deploy): its
 * rate limit, its global concurrency, and whether it is paused. Each limit is
 * either absent (the code's value holds), a value written as in code (`'5/s'`,
 * `3`), or `'none'` (the code's limit is lifted while the override holds).
 * A rate override keeps the code's `rateLimitKey`: with a key, the new rate is
 * each key's budget. Per-key concurrency stays as in code.
 */

/** Lifts the code's limit while the override holds. */
export const NO_LIMIT = 'none';

/** A task's override as stored (lib/limits/override-store.ts): what is set, and who set it when. */
export const taskOverrideSchema = z.object({
  /** `'<count>/<s|m|h>'` as normalised by parseRate, or `'none'`. */
  rateLimit: z.string().optional(),
  concurrency: z.union([z.number().int(), z.literal(NO_LIMIT)]).optional(),
  paused: z.boolean().optional(),
  setBy: z.string(),
  setAt: z.number(),
});
export type TaskOverride = z.infer<typeof taskOverrideSchema>;

/** The rule's message without the field's name (the 400 names the field itself). */
const withoutField = (err: unknown, field: string) => (err as Error).message.replace(new RegExp(`^${field} `), '');

/** A rate as the console accepts it: the code's syntax (one parser, lib/registry/task-throttle.ts), or `'none'`. */
const rateField = z
  .string()
  .max(100)
  .superRefine((text, ctx) => {
    if (text.trim().toLowerCase() === NO_LIMIT) return;
    try {
      parseRate(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: withoutField(err, 'rateLimit') });
    }
  })
  .describe('Starts per second, minute or hour across all workers, as in code (`5/s`, `100/m`, `1000/h`); `none` lifts the code’s limit');

const concurrencyField = z
  .union([concurrencyCountSchema, z.literal(NO_LIMIT)], { error: `must be a whole number from 1 to ${MAX_CONCURRENCY}, or "none"` })
  .describe('Most jobs of the task running at once across all workers; `none` lifts the code’s limit');

/**
 * The body of `PUT /api/v1/tasks/{name}/override`: the limits to hold from now
 * on. A limit left out (or null) follows the code again; the pause is not
 * touched (it has its own operations).
 */
export const overrideLimitsSchema = z
  .object({
    rateLimit: rateField.nullable().optional(),
    concurrency: concurrencyField.nullable().optional(),
  })
  .strict();
export type OverrideLimitsInput = z.output<typeof overrideLimitsSchema>;

/** The limits of a request as stored: rates normalised (`' 5 / S '` → `5/s`), nulls dropped. */
export function normaliseLimits(input: OverrideLimitsInput): Pick<TaskOverride, 'rateLimit' | 'concurrency'> {
  const rate = input.rateLimit;
  return {
    ...(rate != null ? { rateLimit: rate.trim().toLowerCase() === NO_LIMIT ? NO_LIMIT : parseRate(rate).text } : {}),
    ...(input.concurrency != null ? { concurrency: input.concurrency } : {}),
  };
}

/** Whether an override changes anything (an empty one is deleted rather than stored). */
export function overrideIsEmpty(o: Partial<TaskOverride>): boolean {
  return o.rateLimit === undefined && o.concurrency === undefined && !o.paused;
}

/**
 * The throttle in force: the code's, with the override's limits in place of
 * its own. Undefined when nothing limits the task (then no gate is passed).
 */
export function effectiveThrottle(code: Throttle | undefined, o: TaskOverride | undefined): Throttle | undefined {
  if (!o || (o.rateLimit === undefined && o.concurrency === undefined)) return code;
  const rate = o.rateLimit === undefined ? code?.rate : o.rateLimit === NO_LIMIT ? undefined : parseRate(o.rateLimit);
  const global = o.concurrency === undefined ? code?.concurrency?.global : o.concurrency === NO_LIMIT ? undefined : o.concurrency;
  const c = code?.concurrency;
  const out: Throttle = {};
  if (rate) out.rate = rate;
  if (rate && code?.rateKey) out.rateKey = code.rateKey;
  if (global !== undefined || c?.perKey !== undefined)
    out.concurrency = { ...(global !== undefined ? { global } : {}), ...(c?.perKey !== undefined ? { perKey: c.perKey, key: c.key } : {}) };
  return out.rate || out.concurrency ? out : undefined;
}
