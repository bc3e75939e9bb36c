/**
 * A task's time limits, expiry, retry policy and isolation in words, for its
 * page (from the catalogue's `timing`, lib/registry/time-limits.ts). No
 * imports: the console's pages use it.
 */
export function describeTiming(
  t: { timeLimit?: number; softTimeLimit?: number; expires?: number; retryOn?: string[]; isolation?: string; deadLetter?: boolean },
  duration: (ms: number) => string,
): [label: string, value: string][] {
  const rows: [string, string][] = [];
  const limits = [t.softTimeLimit !== undefined && `soft ${duration(t.softTimeLimit)}`, t.timeLimit !== undefined && `hard ${duration(t.timeLimit)}`];
  if (limits.some(Boolean)) rows.push(['Time limit', limits.filter(Boolean).join(', ')]);
  if (t.expires !== undefined) rows.push(['Expires', `${duration(t.expires)} after enqueue, unless started`]);
  if (t.retryOn) rows.push(['Retries only', t.retryOn.join(', ')]);
  if (t.isolation) rows.push(['Isolation', `${t.isolation} (each attempt in a process of its own)`]);
  if (t.deadLetter) rows.push(['Dead letters', 'jobs that fail for good wait in its dead-letter queue (<task>.dlq)']);
  return rows;
}
