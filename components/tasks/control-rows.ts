import type { TaskControlsDTO } from '@/lib/data/task-controls-dto';
import { describeDedupeSetting } from '@/lib/registry/dedupe-label';
import { describeTiming } from '@/lib/registry/timing-label';

/** One control in force, as the task page's table shows it. */
export interface ControlRow {
  label: string;
  value: string;
  source: 'code' | 'override';
}

/** The key a budget is per, in words: `per customerId`; empty for the task-wide one. */
const per = (keyArgs: readonly string[] | null | undefined) => (keyArgs?.length ? ` per ${keyArgs.join(', ')}` : '');

/**
 * Every control of a task in force, with where it comes from: the limits an
 * admin can override live first (rate limit, global concurrency, pause), then
 * those only code sets (per-key concurrency, retries, time limits, expiry,
 * dead letters, deduplication). Pure: the page and its test call it.
 */
export function controlRows(c: TaskControlsDTO, duration: (ms: number) => string): ControlRow[] {
  const e = c.effective;
  const t = c.code.throttle;
  const rows: ControlRow[] = [
    { label: 'Rate limit', value: e.rateLimit ? `${e.rateLimit}${per(e.rateKeyArgs)}` : 'none', source: e.rateLimitSource },
    { label: 'Global concurrency', value: e.concurrency !== null ? `${e.concurrency} running at once` : 'none', source: e.concurrencySource },
    { label: 'Paused', value: e.paused ? 'yes: its jobs are held until it is resumed' : 'no', source: e.paused ? 'override' : 'code' },
  ];
  const code = (label: string, value: string) => rows.push({ label, value, source: 'code' });
  if (e.perKeyConcurrency !== null)
    code('Concurrency per key', `${e.perKeyConcurrency} running at once${per(t?.concurrency?.keyArgs ?? (t?.keyByCode ? ['(key computed in code)'] : []))}`);
  const d = c.code.defaults;
  code('Attempts', String(d.attempts ?? 1));
  if (d.backoff) code('Backoff', `${d.backoff.type}, from ${duration(d.backoff.delay)}${d.backoff.jitter ? `, jitter ${d.backoff.jitter}` : ''}`);
  for (const [label, value] of c.code.timing ? describeTiming(c.code.timing, duration) : []) code(label, value);
  if (c.code.dedupe) code('Deduplication', describeDedupeSetting(c.code.dedupe, duration));
  return rows;
}
