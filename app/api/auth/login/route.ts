import { apiRoute, json, readJson } from '@/lib/http/api-route';
import { csrfCookie } from '@/lib/http/csrf';
import { z } from 'zod';
import { getRedis } from '@/lib/redis';
import { login } from '@/lib/auth/login';
import { NotFoundError } from '@/lib/errors';
import { authEnabled } from '@/lib/auth/users';
import { isSecureRequest, sessionCookie } from '@/lib/auth/request-auth';

export const dynamic = 'force-dynamic';

/**
 * Sign in: `{ username, password, next? }` → 200 `{ user, role, next }` with the
 * session cookie and a new CSRF cookie bound to the session; 401 for a wrong
 * name or password; 429 with Retry-After after repeated failures.
 */
export const POST = apiRoute(
  async (req, _params, { ip }) => {
    if (!authEnabled()) throw new NotFoundError('No accounts are configured: the console is open, there is nothing to sign in to');
    const r = await login(getRedis(), await readJson(req, z.unknown()), { ip, path: new URL(req.url).pathname });
    const secure = isSecureRequest(req.headers, req.url);
    const res = json({ user: r.user.name, role: r.user.role, next: r.next });
    res.headers.append('Set-Cookie', sessionCookie(r.sessionId, secure));
    res.headers.append('Set-Cookie', csrfCookie(r.session.csrf, secure));
    return res;
  },
  { access: 'public', audit: false },
);
