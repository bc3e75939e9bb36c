/**
 * A dynamic route segment as the page receives it (URL-encoded) decoded once.
 * A malformed escape (a hand-typed "%") is kept as typed rather than crashing
 * the page: the look-up then says "not found".
 */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
