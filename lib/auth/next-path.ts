/**
 * Where to go after signing in: `/login?next=/queues/x`. Only a path on this
 * site is accepted — never `//evil.example`, `/\evil.example`, `https://…` or
 * `javascript:` — so the login page cannot be turned into an open redirect.
 */
export function safeNextPath(raw: string | null | undefined, fallback = '/'): string {
  if (!raw || raw.length > 2000) return fallback;
  // A relative path: one leading slash, no backslash (browsers read `\` as `/`), no control characters or spaces.
  // eslint-disable-next-line no-control-regex
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u0020\u007f]/.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, 'http://celerity.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://celerity.invalid') return fallback;
  const path = url.pathname + url.search + url.hash;
  // Back to the login page would be a loop; the API is not a page.
  if (url.pathname === '/login' || url.pathname.startsWith('/api/')) return fallback;
  return path;
}

/**
 * Why the login page is shown: `expired` when the browser had a session that
 * ended (the page then says so); absent on a first visit.
 */
export type LoginReason = 'expired';

/** The login URL that brings the user back to `path` afterwards, saying why when there is a reason. */
export function loginUrl(path: string, reason?: LoginReason): string {
  const next = safeNextPath(path, '');
  const query = [...(next && next !== '/' ? [`next=${encodeURIComponent(next)}`] : []), ...(reason ? [`reason=${reason}`] : [])];
  return query.length ? `/login?${query.join('&')}` : '/login';
}
