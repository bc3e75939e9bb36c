import { HELD_FIELD } from './throttle-gate';

/** Why a held job waits: its task's rate limit, a concurrency slot, or its task being paused. */
export type HeldReason = 'rate' | 'concurrency' | 'paused';

/**
 * Why a job waits for its task's throttle, and from when it may run (ms, Redis's clock), as the console shows it.
 * Only `reason` and `until` are always there; the rest is written by gates that know it.
 */
export interface HeldRecord {
  reason: HeldReason;
  until: number;
  /** When this hold was written. */
  at?: number;
  /** When the job was first held in this wait (holds in a row keep it). */
  since?: number;
  /** Holds in a row. */
  holds?: number;
  /** BullMQ's attempts-started count (`ats`) at the hold: once the job's count moved on, it was taken since. */
  ats?: number;
  /** The task's budget, or one key's. */
  scope?: 'task' | 'key';
  key?: string;
  /** The limit in force: starts per window (rate) or jobs running at once (concurrency). */
  limit?: number;
  /** The rate's window (ms). */
  windowMs?: number;
}

const REASONS: readonly string[] = ['rate', 'concurrency', 'paused'];
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** A record as stored (JSON text) → HeldRecord; undefined when it is not one (not ours to fail on: the raw view shows it). */
export function parseHeld(text: string | null | undefined): HeldRecord | undefined {
  if (!text) return undefined;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!r || typeof r !== 'object' || typeof r.reason !== 'string' || !REASONS.includes(r.reason) || num(r.until) === undefined) return undefined;
  const out: HeldRecord = { reason: r.reason as HeldReason, until: r.until as number };
  for (const k of ['at', 'since', 'holds', 'ats', 'limit', 'windowMs'] as const) if (num(r[k]) !== undefined) out[k] = r[k] as number;
  if (r.scope === 'task' || r.scope === 'key') out.scope = r.scope;
  if (typeof r.key === 'string' || typeof r.key === 'number') out.key = String(r.key);
  return out;
}

/**
 * The throttle's record in a job's hash (`cel:held`), if the job is held back:
 * written by the gate when it sends the job back to delayed, removed when the
 * job starts. Undefined for a job never held or already started; a malformed
 * record is ignored.
 */
export function heldRecord(fields: Iterable<[string, string]>): HeldRecord | undefined {
  for (const [k, v] of fields) if (k === HELD_FIELD) return parseHeld(v);
  return undefined;
}

/** States in which a job can be held back: it waits to be taken (again). */
const WAITING_STATES: readonly string[] = ['delayed', 'waiting', 'prioritized'];

/**
 * Whether a job's record still describes it. The gate removes the record when
 * it admits the job, but a job can run without passing the gate (its task's
 * limits were removed, a worker of an older version): a record left behind is
 * stale once the job runs, finishes, or was taken again since the hold
 * (BullMQ's attempts-started count moved on).
 */
export function isCurrentHold(r: HeldRecord, state: string, attemptsStarted: number | null): boolean {
  if (!WAITING_STATES.includes(state)) return false;
  return r.ats === undefined || attemptsStarted === null || attemptsStarted <= r.ats;
}

/** The console's words for a held job: "rate-limited, may run at 09:00:01". */
export function describeHeld(r: HeldRecord, time: (ms: number) => string = (ms) => new Date(ms).toISOString()): string {
  return `${r.reason === 'rate' ? 'rate-limited' : r.reason === 'paused' ? 'its task is paused' : 'waiting for a concurrency slot'}, may run at ${time(r.until)}`;
}
