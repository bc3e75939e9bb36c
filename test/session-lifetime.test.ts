import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// Accounts for this file, before anything reads the environment.
vi.hoisted(() => {
  process.env.CELERITY_USERS =
    'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM,bob:viewer:scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';
});

import { closeRedis, getRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { env } from '@/lib/env';
import { login } from '@/lib/auth/login';
import { readSession, sessionHash, SESSION_MAX_LIFETIME_MS } from '@/lib/auth/session-store';
import { resolvePrincipal, SESSION_COOKIE } from '@/lib/auth/request-auth';
import { gate } from '@/lib/auth/gate';
import { ADMIN } from './security-support';

/**
 * The absolute session lifetime: however active, a session ends
 * SESSION_MAX_LIFETIME_MS (7 days) after sign-in. Only the process's clock is
 * moved (Date alone is faked, so Redis and its TTLs run in real time): a
 * session used a minute before the limit — its idle TTL freshly renewed in
 * Redis — is still refused once the limit has passed.
 */

const redis = getRedis();
const keys = celerityKeys();
const gateOptions = { authEnabled: true, insecure: false };

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await closeRedis();
});

/** Sign in as the admin, as the login route does; `signedInAt` is the session's stored createdAt. */
async function signIn(): Promise<{ id: string; key: string; signedInAt: number }> {
  const r = await login(redis, { username: ADMIN.name, password: ADMIN.password }, { ip: '10.9.9.9', path: '/api/auth/login' });
  return { id: r.sessionId, key: keys.session(sessionHash(r.sessionId)), signedInAt: r.session.createdAt };
}

const request = (url: string, id: string) => ({ method: 'GET', url, headers: new Headers({ host: '127.0.0.1:5555', cookie: `${SESSION_COOKIE}=${id}` }) });

describe('the 7-day absolute session lifetime', () => {
  it('is 7 days', () => {
    expect(SESSION_MAX_LIFETIME_MS).toBe(7 * 24 * 3600 * 1000);
  });

  it('a session used a minute before its lifetime ends is refused a second after, with 401 "expired" from the console', async () => {
    const s = await signIn();
    vi.useFakeTimers({ toFake: ['Date'] });

    // A minute before the end: still good, and using it renews the idle expiry in Redis.
    vi.setSystemTime(s.signedInAt + SESSION_MAX_LIFETIME_MS - 60_000);
    await redis.pexpire(s.key, 5_000);
    const before = await gate(request('/api/v1/queues', s.id), gateOptions);
    expect(before).toMatchObject({ kind: 'pass', principal: { kind: 'user', name: ADMIN.name } });
    expect(await redis.pttl(s.key)).toBeGreaterThan(env().CELERITY_SESSION_TTL * 1000 - 60_000);

    // A second past the end: refused although the key is alive and was just used.
    vi.setSystemTime(s.signedInAt + SESSION_MAX_LIFETIME_MS + 1_000);
    expect(await redis.exists(s.key)).toBe(1);
    const after = await gate(request('/api/v1/queues', s.id), gateOptions);
    expect(after).toMatchObject({ kind: 'deny', status: 401 });
    expect(JSON.parse((after as { body: string }).body)).toEqual({ error: { code: 'unauthorized', message: 'Session expired; sign in again' } });
    // …and it is gone from Redis, not merely refused this once.
    expect(await redis.exists(s.key)).toBe(0);
  });

  it('past its lifetime, a page goes to the login (remembering the page) and the live-connection check refuses it too', async () => {
    const s = await signIn();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(s.signedInAt + SESSION_MAX_LIFETIME_MS + 1_000);
    // The socket re-check reads without renewing (touch: false) and must refuse all the same.
    expect(await readSession(redis, s.id, false)).toBeUndefined();
    expect(await redis.exists(s.key)).toBe(0);

    const t = await signIn();
    vi.setSystemTime(t.signedInAt + SESSION_MAX_LIFETIME_MS + 1_000);
    expect(await resolvePrincipal(request('/queues/emails', t.id).headers, redis)).toEqual({ principal: null, reason: 'expired' });
    const u = await signIn();
    vi.setSystemTime(u.signedInAt + SESSION_MAX_LIFETIME_MS + 1_000);
    expect(await gate(request('/queues/emails?state=failed', u.id), gateOptions)).toEqual({
      kind: 'redirect',
      location: '/login?next=%2Fqueues%2Femails%3Fstate%3Dfailed&reason=expired',
    });
  });
});
