import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DeduplicationOptions, JobsOptions } from 'bullmq';
import { InvalidError } from '../errors';

/**
 * Deduplication, debounce, uniqueness and idempotent enqueue: one mechanism,
 * BullMQ's `deduplication` job option. A job carries at most one deduplication
 * id; BullMQ keeps `<prefix>:<queue>:de:<id>` → the job id that holds it, on the
 * queue's own hash slot, and an add that finds the key returns that job instead
 * of creating one — atomically, in the add script, so concurrent callers agree.
 *
 * - `window` (a task's `dedupe: { key, ttl }`): BullMQ's throttle mode. The key
 *   expires `ttl` ms after the first call; it is NOT released when the job
 *   finishes, so a call within the window gets the finished job.
 * - `unique` (`dedupe: { key }`, no ttl): BullMQ's simple mode. The key lives
 *   while the job is waiting, delayed or running and is released when it
 *   completes or fails for good.
 * - `debounce` (`dedupe: { key, ttl, debounce: true }`): BullMQ's debounce mode
 *   (ttl + extend + replace): the job is delayed by `ttl`, and each call inside
 *   the window replaces the delayed job with one carrying its own arguments and
 *   starts the window again. The last call wins; it runs `ttl` after it.
 * - idempotency (a call's `idempotencyKey`): the `window` mode with the task's
 *   `idempotencyTtl` (24 h by default). A retry with the same key inside the
 *   window returns the first call's job, whatever happened to that call.
 *
 * A call's idempotency key replaces the task's key for that call (one id per job).
 */

/** Longest key accepted (an idempotency key, or what a task's key function returns). */
export const MAX_DEDUPE_KEY_LENGTH = 256;
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** Longest window accepted: BullMQ keeps the key as a Redis PX expiry; a year is far beyond any real use. */
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

/** A task's `dedupe` option as written in `defineTask`. */
export interface DedupeInput<Args = unknown> {
  /**
   * The key of a job: a function of the (parsed) arguments, or the names of the
   * arguments whose values make it (`['customerId']`). Names work for jobs
   * enqueued from the console and the HTTP API too; a function only for
   * `enqueue()` in code (the console never runs task code). Namespaced by task:
   * two tasks never share a key.
   */
  key: ((args: Args) => string) | readonly (keyof Args & string)[];
  /** Window in milliseconds. Without it the key holds while the job is queued or running ("unique"). */
  ttl?: number;
  /** The last call in the window wins (needs `ttl`): the job waits `ttl` after the last call, then runs with its arguments. */
  debounce?: boolean;
}

export type DedupeMode = 'window' | 'debounce' | 'unique';

/** A task's dedupe setting, checked. */
export interface Dedupe {
  mode: DedupeMode;
  ttl?: number;
  key: ((args: never) => string) | readonly string[];
}

/** What the catalogue publishes of a task's dedupe setting (no code: the key's argument names, or `code` for a function). */
export const dedupeSummarySchema = z.object({
  mode: z.enum(['window', 'debounce', 'unique']),
  ttl: z.number().optional(),
  /** The arguments whose values make the key; absent when the key is computed by code. */
  keyArgs: z.array(z.string()).optional(),
});
export type DedupeSummary = z.infer<typeof dedupeSummarySchema>;

const ttlSchema = z.number().int().min(1).max(MAX_TTL_MS);

/** Check a task's `dedupe` option; a wrong one throws naming the field (`dedupe.ttl`, `dedupe.key`…). */
export function resolveDedupe(task: string, input: DedupeInput<never> | undefined): Dedupe | undefined {
  if (input === undefined) return undefined;
  const fail = (field: string, why: string) => new Error(`Invalid dedupe for task "${task}": ${field} ${why}`);
  if (typeof input !== 'object' || input === null) throw fail('dedupe', 'must be an object { key, ttl?, debounce? }');
  const { key, ttl, debounce } = input;
  const names = Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string' && k !== '');
  if (typeof key !== 'function' && !names) throw fail('dedupe.key', 'must be a function of the arguments or a non-empty list of argument names');
  if (ttl !== undefined && !ttlSchema.safeParse(ttl).success)
    throw fail('dedupe.ttl', `must be a whole number of milliseconds from 1 to ${MAX_TTL_MS} (got ${String(ttl)})`);
  if (debounce !== undefined && typeof debounce !== 'boolean') throw fail('dedupe.debounce', 'must be true or false');
  if (debounce && ttl === undefined) throw fail('dedupe.ttl', 'is required with debounce (the quiet time before the job runs)');
  const mode: DedupeMode = debounce ? 'debounce' : ttl === undefined ? 'unique' : 'window';
  return { mode, ...(ttl !== undefined ? { ttl } : {}), key: key as Dedupe['key'] };
}

/** Check a task's `idempotencyTtl` (ms); the default when absent. */
export function resolveIdempotencyTtl(task: string, ttl: number | undefined): number {
  if (ttl === undefined) return DEFAULT_IDEMPOTENCY_TTL_MS;
  if (!ttlSchema.safeParse(ttl).success)
    throw new Error(`Invalid idempotencyTtl for task "${task}": a whole number of milliseconds from 1 to ${MAX_TTL_MS} (got ${String(ttl)})`);
  return ttl;
}

/** The catalogue's view of a setting. */
export function dedupeSummary(d: Dedupe): DedupeSummary {
  return { mode: d.mode, ...(d.ttl !== undefined ? { ttl: d.ttl } : {}), ...(typeof d.key === 'function' ? {} : { keyArgs: [...d.key] }) };
}

/** An idempotency key or a dedupe key: text, 1–256 characters. */
export const dedupeKeySchema = z.string().min(1).max(MAX_DEDUPE_KEY_LENGTH);

/** How a task deduplicates, as the client (the definition) or the console (the catalogue) knows it. */
export interface DedupePolicy {
  task: string;
  /** The task's own setting: from the definition (key may be a function) or the catalogue (key = argument names, or none). */
  dedupe?: { mode: DedupeMode; ttl?: number; key?: Dedupe['key'] };
  idempotencyTtl: number;
}

/** What a job gets from the policy: BullMQ's option, our own job id (to tell a new job from an existing one), and a debounce's delay. */
export interface JobDedupe {
  deduplication: DeduplicationOptions;
  jobId: string;
  /** At least this delay (debounce: the job waits out its window). */
  minDelay?: number;
}

/**
 * The deduplication of one call, or undefined when none applies. The call's
 * idempotency key wins over the task's key. `args` are the arguments as given
 * (argument-name keys read them), `parsed` what the schema made of them
 * (a key function gets these). Bad keys throw InvalidError naming the field.
 */
export function jobDedupe(policy: DedupePolicy, args: unknown, parsed: unknown, idempotencyKey: unknown, field: string): JobDedupe | undefined {
  if (idempotencyKey !== undefined) {
    const key = checkKey(idempotencyKey, field);
    return { deduplication: { id: dedupeId(policy.task, 'idem', key), ttl: policy.idempotencyTtl }, jobId: randomUUID() };
  }
  const d = policy.dedupe;
  if (!d?.key) return undefined;
  const key = checkKey(typeof d.key === 'function' ? d.key(parsed as never) : keyFromArgs(d.key, args), 'dedupe.key');
  const id = dedupeId(policy.task, 'key', key);
  if (d.mode === 'unique') return { deduplication: { id }, jobId: randomUUID() };
  if (d.mode === 'window') return { deduplication: { id, ttl: d.ttl }, jobId: randomUUID() };
  return { deduplication: { id, ttl: d.ttl, extend: true, replace: true }, jobId: randomUUID(), minDelay: d.ttl };
}

function checkKey(key: unknown, field: string): string {
  const r = dedupeKeySchema.safeParse(key);
  if (!r.success)
    throw new InvalidError(
      `${field}: ${typeof key === 'string' ? `1–${MAX_DEDUPE_KEY_LENGTH} characters (got ${key.length})` : `must be a string (got ${key === null ? 'null' : typeof key})`}`,
      field,
    );
  return r.data;
}

/** The values of the named arguments, as JSON: unambiguous (`["a,b"]` is not `["a","b"]`). */
function keyFromArgs(names: readonly string[], args: unknown): string {
  const o = (args && typeof args === 'object' ? args : {}) as Record<string, unknown>;
  return JSON.stringify(names.map((n) => o[n] ?? null));
}

/**
 * The deduplication id of a key: namespaced by task, and by kind, so that a
 * task's key and a call's idempotency key never meet. The task name is
 * URI-encoded so it holds no `:` and `a:idem` + `b` cannot read as `a` + `idem:b`.
 * BullMQ puts it after the queue's name (`<prefix>:<queue>:de:<id>`): the key
 * hashes with the queue's own hash tag, whatever the id contains.
 */
export function dedupeId(task: string, kind: 'key' | 'idem', key: string): string {
  return `${encodeURIComponent(task)}:${kind}:${key}`;
}

/** Put a call's deduplication on BullMQ's options for its job (they are the call's own copy). */
export function applyDedupe(opts: JobsOptions, d: JobDedupe | undefined): JobsOptions {
  if (!d) return opts;
  opts.deduplication = d.deduplication;
  // Our own id: BullMQ answers a deduplicated add with the id of the job that holds the key, so
  // "created" is "the id we chose came back". It also makes a resent add (ioredis replays a
  // command cut off by a reconnect) come back as created rather than as its own duplicate.
  opts.jobId = d.jobId;
  if (d.minDelay !== undefined && (opts.delay ?? 0) < d.minDelay) opts.delay = d.minDelay;
  return opts;
}

/** Whether the add made a new job (true without deduplication: every add does). */
export const wasCreated = (d: JobDedupe | undefined, id: string): boolean => !d || d.jobId === id;

/** An HTTP request's idempotency key and the field that named it; the header and the body may both give it only if they agree. */
export function requestIdempotencyKey(body: string | undefined, header: string | undefined): { value: string; field: string } | undefined {
  if (header !== undefined && body !== undefined && header !== body)
    throw new InvalidError("Idempotency-Key: differs from the body's idempotencyKey", 'Idempotency-Key');
  if (header !== undefined) return { value: header, field: 'Idempotency-Key' };
  return body !== undefined ? { value: body, field: 'idempotencyKey' } : undefined;
}
