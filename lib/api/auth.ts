import { z } from 'zod';
import { json } from '../http/api-route';
import { csrfCookie } from '../http/csrf';
import { getRedis } from '../redis';
import { login } from '../auth/login';
import { NotFoundError } from '../errors';
import { authEnabled } from '../auth/users';
import { actorName, allows } from '../auth/principal';
import { deleteSession } from '../auth/session-store';
import { clearSessionCookie, isSecureRequest, sessionCookie, sessionIdFrom } from '../auth/request-auth';
import { defineOperation, jsonAnswer } from './operation';
import { OK } from './answers';

/** The browser's session: sign in, sign out, who am I. Not in the /api/v1 document (tokens are the API's credentials). */
export const authOperations = [
  defineOperation({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in',
    tag: 'auth',
    access: 'public',
    // Sign-in attempts are logged by lib/auth/login.ts (failures included), which the throttle bounds.
    audit: false,
    body: z.unknown(),
    answers: { 200: jsonAnswer('`{ user, role, next }` with the session cookie and a CSRF cookie bound to it') },
    errors: [401, 404, 429, 503],
    hidden: true,
    // The session this browser already had ends with the sign-in (rotation: never keep a session id across sign-ins).
    handler: async ({ req, raw, auth }) => {
      if (!authEnabled()) throw new NotFoundError('No accounts are configured: the console is open, there is nothing to sign in to');
      const r = await login(getRedis(), raw, { ip: auth.ip, path: new URL(req.url).pathname, replaces: sessionIdFrom(req.headers) });
      const secure = isSecureRequest(req.headers, req.url);
      const res = json({ user: r.user.name, role: r.user.role, next: r.next });
      res.headers.append('Set-Cookie', sessionCookie(r.sessionId, secure));
      res.headers.append('Set-Cookie', csrfCookie(r.session.csrf, secure));
      return res;
    },
  }),
  defineOperation({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Sign out: ends the session in Redis (not just the cookie); works with an expired session too',
    tag: 'auth',
    access: 'public',
    audit: { action: 'logout', target: ({ actor }) => actor },
    answers: { 200: OK },
    hidden: true,
    handler: async ({ req, auth: { principal } }) => {
      if (principal?.kind === 'user') await deleteSession(getRedis(), principal.sessionHash);
      const res = json({ ok: true });
      res.headers.append('Set-Cookie', clearSessionCookie(isSecureRequest(req.headers, req.url)));
      return res;
    },
  }),
  defineOperation({
    method: 'get',
    path: '/api/auth/session',
    summary: 'Who the caller is: `{ authEnabled, actor, kind, role?, scope?, canWrite }`',
    tag: 'auth',
    access: 'read',
    answers: { 200: jsonAnswer('The caller') },
    hidden: true,
    handler: async ({ auth }) => {
      const p = auth.principal!;
      return {
        authEnabled: authEnabled(),
        actor: actorName(p),
        kind: p.kind,
        ...(p.kind === 'user' ? { role: p.role } : {}),
        ...(p.kind === 'token' ? { scope: p.scope } : {}),
        canWrite: allows(p, 'write'),
      };
    },
  }),
];
