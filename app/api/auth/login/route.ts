import { apiRoute, json, readJson } from '@/lib/http/api-route';
import { csrfCookie } from '@/lib/http/csrf';
import { z } from 'zod';
import { getRedis } from '@/lib/redis';
import { login } from '@/lib/auth/login';
import { NotFoundError } from '@/lib/errors';
import { authEnabled } from '@/lib/auth/users';
import { isSecureRequest, sessionCookie, sessionIdFrom } from '@/lib/auth/request-auth';

export const dynamic = 'force-dynamic';

/**
 * Sign in: `{ username, password, next? }` → 200 `{ user, role, next }` with the
 * session cookie (`__Host-celerity_session` over HTTPS) and a new CSRF cookie
 * bound to the session, the browser's previous session ended; 401 for a wrong
 * name or password; 429 with Retry-After after repeated failures; 503 with
 * Retry-After when too many sign-ins wait for a password check.
 */
export const POST = apiRoute(
  async (req, _params, { ip }) => {
    if (!authEnabled()) throw new NotFoundError('No accounts are configured: the console is open, there is nothing to sign in to');
    // The session this browser already had ends with the sign-in (rotation: never keep a session id across sign-ins).
    const r = await login(getRedis(), await readJson(req, z.unknown()), { ip, path: new URL(req.url).pathname, replaces: sessionIdFrom(req.headers) });
    const secure = isSecureRequest(req.headers, req.url);
    const res = json({ user: r.user.name, role: r.user.role, next: r.next });
    res.headers.append('Set-Cookie', sessionCookie(r.sessionId, secure));
    res.headers.append('Set-Cookie', csrfCookie(r.session.csrf, secure));
    return res;
  },
  { access: 'public', audit: false },
);
