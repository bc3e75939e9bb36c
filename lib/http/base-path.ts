/**
 * The console's own path of a request URL when the console lives under
 * `basePath` (CELERITY_BASE_PATH): `/admin/jobs/api/v1/queues?x` →
 * `/api/v1/queues?x`, `/admin/jobs` → `/`. Null when the URL lies outside it
 * (`/`, `/api/v1/queues`, `/admin/jobsx`): nothing is served there. Without a
 * base path every URL is the console's, unchanged.
 */
export function stripBasePath(url: string, basePath: string): string | null {
  if (!basePath) return url;
  if (!url.startsWith(basePath)) return null;
  const rest = url.slice(basePath.length);
  if (rest === '') return '/';
  if (rest.startsWith('/')) return rest;
  return rest.startsWith('?') ? `/${rest}` : null;
}
