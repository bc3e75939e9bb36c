import { randomBytes, timingSafeEqual } from 'node:crypto';
import { env } from '../env';
import { ForbiddenError } from '../errors';
import { requestHost } from './request-origin';
import { cookiePath } from './cookie-path';

/**
 * CSRF protection for every state-changing request, in two layers:
 * 1. a browser request must come from our own origin (Origin or Referer
 *    matches the request's host — see requestHost(); Sec-Fetch-Site is not cross-site);
 * 2. it must carry the double-submit token: the `x-csrf-token` header equals
 *    the `celerity_csrf` cookie, which another site can neither read nor set.
 * Non-browser clients (no Origin, no Sec-Fetch-*) carry no ambient browser
 * credentials, so there is nothing to forge; they pass layer 2 only when they have no cookie.
 */
export const CSRF_COOKIE = 'celerity_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The Set-Cookie value for a new token. Readable by our own script (double submit), Lax; under the console's base path. */
export function csrfCookie(token: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${token}; Path=${cookiePath()}; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      // A malformed escape (`%E0%A4%A`) is a bad cookie, not a crash.
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostOf(url: string | null): string | undefined {
  if (!url || url === 'null') return url === 'null' ? 'null' : undefined;
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/**
 * Throw ForbiddenError unless a state-changing request is same-origin and carries the token.
 * `sessionToken`: the token bound to the request's session (lib/auth/session-store.ts);
 * when given, the header must equal it — a cookie planted by a sibling subdomain
 * (cookie tossing) then matches nothing — and it is required even from non-browser clients,
 * since a session cookie is an ambient credential.
 * `trustProxy` (default `CELERITY_TRUST_PROXY`): compare against a trusted proxy's X-Forwarded-Host.
 */
export function assertCsrf(req: Pick<Request, 'method' | 'headers'>, sessionToken?: string, trustProxy: boolean = env().CELERITY_TRUST_PROXY): void {
  if (SAFE.has(req.method.toUpperCase())) return;
  const h = req.headers;
  const host = requestHost(h, trustProxy);
  const origin = h.get('origin');
  const referer = h.get('referer');
  const fetchSite = h.get('sec-fetch-site');
  const browser = origin !== null || fetchSite !== null || referer !== null;
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') throw new ForbiddenError('Cross-site request refused');
  const from = hostOf(origin) ?? hostOf(referer);
  if (from !== undefined && from !== host) throw new ForbiddenError('Cross-origin request refused');

  const header = h.get(CSRF_HEADER);
  if (sessionToken !== undefined) {
    if (!header || !safeEqual(header, sessionToken)) throw new ForbiddenError('Missing or wrong CSRF token');
    return;
  }
  const cookie = readCookie(h.get('cookie'), CSRF_COOKIE);
  if (!browser && !cookie) return;
  if (!cookie || !header || !safeEqual(cookie, header)) throw new ForbiddenError('Missing or wrong CSRF token');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
