/**
 * A job's deduplication in words, for its page: which key holds it and how
 * long. Reads the id Celerity writes (`<task>:key:<key>` or `<task>:idem:<key>`,
 * lib/registry/dedupe.ts); an id written by another producer is shown as it is.
 * No imports: the console's pages use it.
 */
export function describeDeduplication(d: { id?: unknown; ttl?: unknown; extend?: unknown; replace?: unknown }, duration: (ms: number) => string): string {
  const id = typeof d.id === 'string' ? d.id : JSON.stringify(d.id);
  const ttl = typeof d.ttl === 'number' && d.ttl > 0 ? d.ttl : undefined;
  const m = /^[^:]*:(key|idem):([\s\S]*)$/.exec(id);
  if (!m) return `id "${id}"${ttl ? `, for ${duration(ttl)}` : ''}`;
  if (m[1] === 'idem') return `idempotency key "${m[2]}"${ttl ? `, held ${duration(ttl)}` : ''}`;
  const how = !ttl ? 'unique while queued or running' : d.extend && d.replace ? `debounce, ${duration(ttl)}` : `window of ${duration(ttl)}`;
  return `key "${m[2]}" (${how})`;
}

/** A task's dedupe setting in words, for its page (from the catalogue: no code, the key's argument names if any). */
export function describeDedupeSetting(d: { mode: string; ttl?: number; keyArgs?: string[] }, duration: (ms: number) => string): string {
  const how =
    d.mode === 'unique' || d.ttl === undefined
      ? 'unique while queued or running'
      : d.mode === 'debounce'
        ? `debounce, ${duration(d.ttl)}`
        : `one job per ${duration(d.ttl)}`;
  const key = d.keyArgs ? `by ${d.keyArgs.join(', ')}` : 'key computed in code (applies to enqueue() in code, not to runs from here)';
  return `${how}; ${key}`;
}
