import type { RedisConnection } from '../redis';
import { getRedis } from '../redis';
import { readCookie } from '../http/csrf';
import { isSecureRequest } from '../http/request-origin';
import { cookiePath } from '../http/cookie-path';
import { checkToken } from './api-tokens';
import type { Principal } from './principal';
import { deleteSession, readSession } from './session-store';
import { authEnabled, findUser, userFingerprint } from './users';

/**
 * Who a request comes from, from its headers alone (so the custom server, API
 * routes and pages all answer the same way): a Bearer token, else the session
 * cookie; with no accounts configured, everyone is `open`.
 */

/** What request headers look like here: `Headers`, or a wrapper around Node's. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** The session cookie over plain HTTP (no prefix can protect a cookie there). */
export const SESSION_COOKIE = 'celerity_session';
/**
 * The session cookie over HTTPS. Browsers accept a `__Host-` cookie only when
 * it is Secure, has Path=/ and no Domain, so a sibling subdomain (or a
 * man-in-the-middle on plain HTTP) can neither set nor shadow it — a planted
 * `celerity_session` with `Domain=.example.com` would otherwise come first in
 * the Cookie header and be read instead of ours.
 */
export const SECURE_SESSION_COOKIE = '__Host-celerity_session';

/** The session cookie's name for a connection. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/**
 * The client address as server.ts saw it. server.ts always overwrites this
 * header (a client cannot choose it); without server.ts it is absent.
 */
export const CLIENT_IP_HEADER = 'x-celerity-client-ip';

export function clientIp(h: HeaderSource): string {
  return h.get(CLIENT_IP_HEADER) || 'unknown';
}

/** Whether the request came over HTTPS (for the cookies' Secure flag): decided in one place, lib/http/request-origin.ts. */
export { isSecureRequest };

/**
 * The session cookie's Path: over HTTPS `/`, which browsers require of a
 * `__Host-` cookie (its protection against cookie tossing is worth more than a
 * narrower path, which is no boundary between pages of one origin anyway);
 * over plain HTTP the console's base path.
 */
function sessionCookiePath(secure: boolean): string {
  return secure ? '/' : cookiePath();
}

/**
 * Set-Cookie for a session: HttpOnly (no script reads it), SameSite=Lax, gone
 * when the browser closes; over HTTPS named `__Host-…`, Secure, host-only.
 */
export function sessionCookie(id: string, secure: boolean): string {
  return `${sessionCookieName(secure)}=${id}; Path=${sessionCookiePath(secure)}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=${sessionCookiePath(secure)}; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
}

/**
 * The session id a request carries. The `__Host-` cookie is always accepted
 * (only a secure page of this very host can have set it); the plain one only
 * when the request did not come over HTTPS — behind HTTPS a plain
 * `celerity_session` can only have been planted by someone else.
 */
export function sessionIdFrom(h: HeaderSource): string | undefined {
  const cookies = h.get('cookie');
  const hostOnly = readCookie(cookies, SECURE_SESSION_COOKIE);
  if (hostOnly !== undefined) return hostOnly;
  return isSecureRequest(h) ? undefined : readCookie(cookies, SESSION_COOKIE);
}

export type Resolution =
  | { principal: Principal }
  | {
      principal: null;
      /**
       * `none`: no credentials; `bad-token`: a token that is not (or no longer) valid;
       * `creator-not-admin`: a valid token whose creator is no longer an admin; `expired`: a session cookie that is not.
       */
      reason: 'none' | 'bad-token' | 'creator-not-admin' | 'expired';
    };

/** What a 401 says for each reason (the gate and the API answer alike). */
export function unauthorizedMessage(reason: Extract<Resolution, { principal: null }>['reason']): string {
  switch (reason) {
    case 'bad-token':
      return 'Invalid or revoked API token';
    case 'creator-not-admin':
      return "This API token's creator is no longer an admin";
    case 'expired':
      return 'Session expired; sign in again';
    case 'none':
      return 'Sign in, or send an API token';
  }
}

/** The Bearer token of an Authorization header; '' for any other scheme (refused, never ignored). */
export function bearerToken(h: HeaderSource): string | undefined {
  const auth = h.get('authorization');
  if (auth === null) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(auth);
  return m ? m[1]! : '';
}

/**
 * Authenticate a request. Reads Redis (and renews the session's expiry unless
 * `touch: false`) when accounts are configured or a token is presented; throws
 * on Redis errors (the callers answer 503).
 */
export async function resolvePrincipal(h: HeaderSource, redis: RedisConnection = getRedis(), opts: { touch?: boolean } = {}): Promise<Resolution> {
  const bearer = bearerToken(h);
  if (bearer !== undefined) {
    // A token is checked even when the console is open: a script must learn its token is wrong.
    const c = bearer ? await checkToken(redis, bearer) : ({ ok: false, reason: 'bad-token' } as const);
    return c.ok ? { principal: { kind: 'token', id: c.record.id, name: c.record.name, scope: c.record.scope } } : { principal: null, reason: c.reason };
  }
  if (!authEnabled()) return { principal: { kind: 'open' } };
  const id = sessionIdFrom(h);
  if (!id) return { principal: null, reason: 'none' };
  const session = await readSession(redis, id, opts.touch ?? true);
  if (!session) return { principal: null, reason: 'expired' };
  const user = findUser(session.record.user);
  if (!user || userFingerprint(user) !== session.record.fp) {
    // The account was removed, or its password or role changed: the session ends.
    await deleteSession(redis, session.hash);
    return { principal: null, reason: 'expired' };
  }
  return { principal: { kind: 'user', name: user.name, role: user.role, sessionHash: session.hash, csrf: session.record.csrf } };
}
