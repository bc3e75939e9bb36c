import { isLoopback } from '../bind-policy';
import { isConnectionError } from '../errors';
import type { Principal } from './principal';
import { resolvePrincipal, unauthorizedMessage, type HeaderSource } from './request-auth';
import { loginUrl } from './next-path';

/**
 * The console's front door, run by server.ts before Next or Socket.IO see a
 * request: deny by default. Every path except the few public ones needs a
 * session or a token once accounts are configured; pages redirect to the login
 * (remembering where they were), everything else answers 401. Roles are
 * checked later, next to the action (apiRoute, admin pages).
 */

export type GateDecision =
  | { kind: 'pass'; principal: Principal | null }
  | { kind: 'deny'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'redirect'; location: string };

export interface GateRequest {
  method: string;
  /** Path and query as received, without the console's base path (`/queues/x?state=failed`). */
  url: string;
  headers: HeaderSource;
}

export interface GateOptions {
  authEnabled: boolean;
  /** CELERITY_INSECURE: the operator put an authenticating proxy in front; skip the Host check. */
  insecure: boolean;
  /** CELERITY_BASE_PATH (`/admin/jobs`, default none): the login redirect goes under it. */
  basePath?: string;
}

/** Reachable without signing in: the login page and API, health for load balancers, static assets. */
export function isPublicPath(path: string): boolean {
  return (
    path === '/login' ||
    path === '/api/auth/login' ||
    path === '/api/auth/logout' ||
    path === '/api/health' ||
    path === '/favicon.ico' ||
    path === '/robots.txt' ||
    path.startsWith('/_next/static/') ||
    // Next's development hot reload (never served in production).
    path.startsWith('/_next/webpack-hmr')
  );
}

/** Requests answered with a status instead of a redirect: APIs, metrics, the socket, and page data fetched by script. */
function wantsStatus(req: GateRequest, path: string): boolean {
  const m = req.method.toUpperCase();
  return (
    path.startsWith('/api/') ||
    path === '/metrics' ||
    path.startsWith('/socket.io/') ||
    req.headers.get('rsc') !== null ||
    req.headers.get('next-action') !== null ||
    (m !== 'GET' && m !== 'HEAD')
  );
}

function jsonDeny(status: number, code: string, message: string, extra: Record<string, string> = {}): GateDecision {
  return {
    kind: 'deny',
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: JSON.stringify({ error: { code, message } }),
  };
}

function htmlDeny(status: number, title: string, text: string, extra: Record<string, string> = {}): GateDecision {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    kind: 'deny',
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>${esc(title)} · Celerity</title><main style="font-family:sans-serif;max-width:40rem;margin:4rem auto"><h1>${esc(title)}</h1><p>${esc(text)}</p></main></html>`,
  };
}

/** The host name of a Host header (`127.0.0.1:5555` → `127.0.0.1`, `[::1]:80` → `::1`). */
export function hostName(host: string | null): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '');
}

export async function gate(req: GateRequest, opts: GateOptions): Promise<GateDecision> {
  let path: string;
  try {
    path = new URL(req.url, 'http://celerity.invalid').pathname;
  } catch {
    return jsonDeny(400, 'invalid', 'Bad request URL');
  }
  const status = wantsStatus(req, path);

  if (!opts.authEnabled && !opts.insecure && !isLoopback(hostName(req.headers.get('host')))) {
    // DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 would be "same-origin"
    // with an open console. Without accounts we answer only to loopback names.
    const msg = 'Without accounts the console answers only to localhost and 127.0.0.1 (protection against DNS rebinding).';
    return status ? jsonDeny(403, 'forbidden', msg) : htmlDeny(403, 'Host not allowed', msg);
  }
  if (isPublicPath(path)) return { kind: 'pass', principal: null };

  let resolved;
  try {
    // Socket.IO's requests (the handshake, and every long-polling round trip when
    // WebSockets are blocked) do not renew the session: an open tab is not activity.
    resolved = await resolvePrincipal(req.headers, undefined, { touch: !path.startsWith('/socket.io/') });
  } catch (err) {
    if (!isConnectionError(err)) throw err;
    // Sessions live in Redis: without it nobody can be recognised. Say so, and when to retry.
    return status
      ? jsonDeny(503, 'unavailable', 'Redis is unavailable', { 'Retry-After': '5' })
      : htmlDeny(503, 'Redis unavailable', 'The console cannot reach Redis right now, so it cannot check your session. Reload this page in a few seconds.', {
          'Retry-After': '5',
        });
  }
  if (resolved.principal) return { kind: 'pass', principal: resolved.principal };

  if (status) {
    return jsonDeny(401, 'unauthorized', unauthorizedMessage(resolved.reason), { 'WWW-Authenticate': 'Bearer realm="celerity"' });
  }
  // `expired`: the browser had a session that ended (the login page says so); `none` is a first visit.
  // `next` stays a console path (the login page's redirect() adds the base path itself).
  return { kind: 'redirect', location: (opts.basePath ?? '') + loginUrl(req.url, resolved.reason === 'expired' ? 'expired' : undefined) };
}
