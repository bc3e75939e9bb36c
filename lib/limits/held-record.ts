import { HELD_FIELD } from './throttle-gate';

/** Why a job waits for its task's throttle, and from when it may run (ms, Redis's clock), as the console shows it. */
export interface HeldRecord {
  reason: 'rate' | 'concurrency';
  until: number;
}

/**
 * The throttle's record in a job's hash (`cel:held`), if the job is held back:
 * written by the gate when it sends the job back to delayed, removed when the
 * job starts. Undefined for a job never held or already started; a malformed
 * record is ignored.
 */
export function heldRecord(fields: Iterable<[string, string]>): HeldRecord | undefined {
  for (const [k, v] of fields) {
    if (k !== HELD_FIELD) continue;
    try {
      const r = JSON.parse(v) as Partial<HeldRecord>;
      if ((r.reason === 'rate' || r.reason === 'concurrency') && typeof r.until === 'number') return { reason: r.reason, until: r.until };
    } catch {
      // Not ours to fail on: the job page still shows the raw field.
    }
    return undefined;
  }
  return undefined;
}

/** The console's words for a held job: "rate-limited, may run at 09:00:01". */
export function describeHeld(r: HeldRecord, time: (ms: number) => string = (ms) => new Date(ms).toISOString()): string {
  return `${r.reason === 'rate' ? 'rate-limited' : 'waiting for a concurrency slot'}, may run at ${time(r.until)}`;
}
