import { apiRoute, json } from '@/lib/http/api-route';
import { getRedis } from '@/lib/redis';
import { deleteSession } from '@/lib/auth/session-store';
import { clearSessionCookie, isSecureRequest } from '@/lib/auth/request-auth';

export const dynamic = 'force-dynamic';

/** Sign out: ends the session in Redis (not just the cookie) → 200. Works with an expired session too. */
export const POST = apiRoute(
  async (req, _params, { principal }) => {
    if (principal?.kind === 'user') await deleteSession(getRedis(), principal.sessionHash);
    const res = json({ ok: true });
    res.headers.append('Set-Cookie', clearSessionCookie(isSecureRequest(req.headers, req.url)));
    return res;
  },
  { access: 'public' },
);
