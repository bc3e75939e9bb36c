import { isCurrentHold, parseHeld, type HeldRecord } from '../limits/held-record';
import type { HeldDTO } from './held-schemas';

export { heldDtoSchema, type HeldDTO } from './held-schemas';

const UNITS: [number, string][] = [
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** "5/s" for 5 starts per 1000 ms; "5 per 1500 ms" for a window no unit divides. */
export function rateText(limit: number, windowMs: number): string {
  for (const [ms, unit] of UNITS) if (windowMs === ms) return `${limit}/${unit}`;
  return `${limit} per ${windowMs} ms`;
}

function limitText(r: HeldRecord): string | null {
  if (r.limit === undefined) return null;
  if (r.reason === 'rate') return r.windowMs !== undefined ? rateText(r.limit, r.windowMs) : `${r.limit}`;
  return `${r.limit} running`;
}

/** The words for a hold: what kind of limit, which one, and for which key. */
export function heldLabel(h: Pick<HeldDTO, 'reason' | 'scope' | 'key' | 'limit'>): string {
  if (h.reason === 'paused') return 'task paused';
  const what = h.reason === 'rate' ? 'rate limit' : 'concurrency limit';
  const limit = h.limit ? ` ${h.limit}` : '';
  const scope = h.scope === 'key' ? (h.key !== null ? ` for key “${h.key}”` : ' per key') : '';
  return `${what}${limit}${scope}`;
}

/** A parsed record → the DTO. */
export function toHeldDto(r: HeldRecord): HeldDTO {
  const base = { reason: r.reason, scope: r.scope ?? null, key: r.scope === 'key' ? (r.key ?? null) : null, limit: limitText(r) };
  return { ...base, until: r.until, since: r.since ?? null, holds: r.holds ?? null, label: heldLabel(base) };
}

/**
 * The hold of a job in `state`, from its stored record (`cel:held`) and BullMQ's
 * attempts-started count; null when it is not held or the record is stale.
 */
export function heldOf(stored: string | null | undefined, state: string, attemptsStarted: number | null): HeldDTO | null {
  const r = parseHeld(stored);
  return r && isCurrentHold(r, state, attemptsStarted) ? toHeldDto(r) : null;
}
