/**
 * The path the console is served under (`/admin/jobs`, or `''` at the root),
 * as fixed into this build by next.config.ts (`env`): Next prefixes its own
 * links, redirects and router pushes, but not our fetches, download links,
 * `window.location` assignments or the Socket.IO path — those go through here.
 */
// eslint-disable-next-line no-restricted-properties -- a constant Next inlines at build time (next.config.ts `env`), not runtime configuration
export const BASE_PATH: string = process.env.CELERITY_BUILD_BASE_PATH ?? '';

/** A console path (`/api/v1/queues`, `/login?next=…`) as the browser must request it. */
export function withBase(path: string): string {
  return BASE_PATH + path;
}

/** The console path of a browser path (`/admin/jobs/queues` → `/queues`); unchanged when outside the base path. */
export function withoutBase(path: string, base: string = BASE_PATH): string {
  if (!base || !path.startsWith(base)) return path;
  const rest = path.slice(base.length);
  if (rest === '') return '/';
  if (rest.startsWith('/')) return rest;
  return rest.startsWith('?') || rest.startsWith('#') ? `/${rest}` : path;
}
