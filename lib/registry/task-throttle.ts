import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A task's rate limit and concurrency (Celery's `rate_limit`, Sidekiq's
 * concurrency keys), checked when the task is defined. BullMQ's own limiter and
 * global concurrency work per queue, and tasks share queues, so Celerity
 * enforces these per task (and per key) itself: lib/limits/throttle-gate.ts.
 */

/** Window of each rate unit, in ms. */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
type RateUnit = keyof typeof UNIT_MS;
/** Most starts per window: the gate keeps one entry per start of the last window. */
export const MAX_RATE = 100_000;
/** Most jobs running at once per task or per key. */
export const MAX_CONCURRENCY = 10_000;

/** The key of a job's budget: a function of the (parsed) arguments, or the names of the arguments whose values make it. */
export type ThrottleKey<Args = unknown> = ((args: Args) => string) | readonly (keyof Args & string)[];

/** A task's `concurrency` option: at most `global` of its jobs running across all workers, at most `perKey` per key. */
export interface ConcurrencyInput<Args = unknown> {
  global?: number;
  perKey?: number;
  /** The key for `perKey`; the task's `rateLimitKey` when left out. */
  key?: ThrottleKey<Args>;
}

/** The throttle options of `defineTask`, as written. */
export interface ThrottleInput<Args = unknown> {
  /** Starts per second, minute or hour across all workers: `'5/s'`, `'100/m'`, `'1000/h'`. */
  rateLimit?: string;
  /** Each key gets its own `rateLimit` budget (e.g. per customer). */
  rateLimitKey?: ThrottleKey<Args>;
  concurrency?: ConcurrencyInput<Args>;
}

/** A parsed rate: at most `limit` starts in any window of `windowMs`. */
export interface Rate {
  limit: number;
  windowMs: number;
  /** As written (`5/s`), for messages and the console. */
  text: string;
}

/** A task's throttle, checked. Absent when the task has none: the worker then makes no Redis call for it. */
export interface Throttle {
  rate?: Rate;
  rateKey?: ThrottleKey<never>;
  concurrency?: { global?: number; perKey?: number; key?: ThrottleKey<never> };
}

const RATE_RE = /^\s*(-?\d+)\s*\/\s*([a-z]+)\s*$/i;
const countSchema = (max: number) => {
  const error = `must be a whole number from 1 to ${max}`;
  return z.number({ error }).int({ error }).min(1, { error }).max(max, { error });
};
/** A concurrency count: what code and the console's live override accept. */
export const concurrencyCountSchema = countSchema(MAX_CONCURRENCY);

/** Parse `'<count>/<s|m|h>'`; a wrong rate throws naming the field. */
export function parseRate(text: unknown, field = 'rateLimit'): Rate {
  const m = typeof text === 'string' ? RATE_RE.exec(text) : null;
  const unit = m?.[2]!.toLowerCase() as RateUnit | undefined;
  if (!m || !unit || !(unit in UNIT_MS))
    throw new Error(`${field} ${JSON.stringify(text)} is not a rate: write <count>/<s|m|h>, e.g. "5/s", "100/m", "1000/h"`);
  const limit = Number(m[1]);
  if (!countSchema(MAX_RATE).safeParse(limit).success) throw new Error(`${field} "${text as string}": the count must be a whole number from 1 to ${MAX_RATE}`);
  return { limit, windowMs: UNIT_MS[unit], text: `${limit}/${unit}` };
}

function checkKey(key: unknown, field: string): ThrottleKey<never> {
  const names = Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string' && k !== '');
  if (typeof key !== 'function' && !names) throw new Error(`${field} must be a function of the arguments or a non-empty list of argument names`);
  return key as ThrottleKey<never>;
}

function checkCount(n: unknown, field: string): number | undefined {
  if (n === undefined) return undefined;
  if (!concurrencyCountSchema.safeParse(n).success) throw new Error(`${field} must be a whole number from 1 to ${MAX_CONCURRENCY} (got ${String(n)})`);
  return n as number;
}

function resolveConcurrency(input: unknown, rateKey: ThrottleKey<never> | undefined): Throttle['concurrency'] {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null) throw new Error('concurrency must be an object { global?, perKey?, key? }');
  const c = input as ConcurrencyInput<never>;
  const global = checkCount(c.global, 'concurrency.global');
  const perKey = checkCount(c.perKey, 'concurrency.perKey');
  const key = c.key === undefined ? rateKey : checkKey(c.key, 'concurrency.key');
  if (perKey !== undefined && !key) throw new Error('concurrency.perKey needs concurrency.key (or rateLimitKey): the key that tells jobs apart');
  if (global === undefined && perKey === undefined) throw new Error('concurrency needs global or perKey');
  return { ...(global !== undefined ? { global } : {}), ...(perKey !== undefined ? { perKey, key } : {}) };
}

/** Check a task's throttle options; undefined when it sets none. Errors name the task and the field. */
export function resolveThrottle(task: string, input: ThrottleInput<never>): Throttle | undefined {
  const { rateLimit, rateLimitKey, concurrency } = input;
  if (rateLimit === undefined && rateLimitKey === undefined && concurrency === undefined) return undefined;
  try {
    if (rateLimitKey !== undefined && rateLimit === undefined) throw new Error('rateLimitKey needs rateLimit');
    const rate = rateLimit === undefined ? undefined : parseRate(rateLimit);
    const rateKey = rateLimitKey === undefined ? undefined : checkKey(rateLimitKey, 'rateLimitKey');
    const conc = resolveConcurrency(concurrency, rateKey);
    return { ...(rate ? { rate } : {}), ...(rateKey ? { rateKey } : {}), ...(conc ? { concurrency: conc } : {}) };
  } catch (err) {
    throw new Error(`Invalid task "${task}": ${(err as Error).message}`);
  }
}

/** What the catalogue publishes of a task's throttle (no code: argument names, or `keyByCode`). */
export const throttleSummarySchema = z.object({
  rateLimit: z.string().optional(),
  rateKeyArgs: z.array(z.string()).optional(),
  concurrency: z.object({ global: z.number().optional(), perKey: z.number().optional(), keyArgs: z.array(z.string()).optional() }).optional(),
  /** A key is computed by code (the console can say "per key", not which arguments). */
  keyByCode: z.boolean().optional(),
});
export type ThrottleSummary = z.infer<typeof throttleSummarySchema>;

const keyArgs = (key: ThrottleKey<never> | undefined) => (key && typeof key !== 'function' ? { keyArgs: [...key] } : {});

/** The catalogue's view of a throttle. */
export function throttleSummary(t: Throttle): ThrottleSummary {
  const byCode = typeof t.rateKey === 'function' || typeof t.concurrency?.key === 'function';
  const c = t.concurrency;
  return {
    ...(t.rate ? { rateLimit: t.rate.text } : {}),
    ...(t.rateKey && typeof t.rateKey !== 'function' ? { rateKeyArgs: [...t.rateKey] } : {}),
    ...(c ? { concurrency: { ...(c.global ? { global: c.global } : {}), ...(c.perKey ? { perKey: c.perKey, ...keyArgs(c.key) } : {}) } } : {}),
    ...(byCode ? { keyByCode: true } : {}),
  };
}

/**
 * The value of a key for one job's arguments: the function's result, or the
 * named arguments' values as JSON (unambiguous). A long value is hashed, so it
 * keeps its own budget and the Redis key stays short.
 */
export function throttleKeyOf(key: ThrottleKey<never>, args: unknown): string {
  const o = (args && typeof args === 'object' ? args : {}) as Record<string, unknown>;
  const k = typeof key === 'function' ? String((key as (a: unknown) => unknown)(args)) : JSON.stringify(key.map((n) => o[n] ?? null));
  return k.length <= 200 ? k : `sha1:${createHash('sha1').update(k).digest('hex')}`;
}
