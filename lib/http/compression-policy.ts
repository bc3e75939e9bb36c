/**
 * Which responses may be gzipped (by Next for pages, by the API app, lib/api/api-app.ts,
 * for the API and /metrics). API answers are small JSON that a client waits on: gzip costs more CPU and latency than the bytes it saves (a page of
 * jobs is a few kB). Pages, scripts, and the API's downloads (a job's full
 * value, a results export) are worth it.
 */
export function mayCompress(url: string): boolean {
  if (!url.startsWith('/api/')) return true;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path.endsWith('/download')) return true;
  return q !== -1 && /[?&]format=/.test(url.slice(q));
}
