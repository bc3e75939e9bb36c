import { createHash } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Accounts for this file (alice admin, bob viewer), and a trusted proxy in front: X-Forwarded-Proto
// decides HTTPS, as behind a real TLS proxy. Before anything reads the environment.
vi.hoisted(() => {
  process.env.CELERITY_USERS =
    'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM,bob:viewer:scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';
  process.env.CELERITY_TRUST_PROXY = '1';
});

import { closeRedis, getRedis } from '@/lib/redis';
import { env } from '@/lib/env';
import { celerityKeys } from '@/lib/keys';
import { CSRF_COOKIE } from '@/lib/http/csrf';
import { CLIENT_IP_HEADER, resolvePrincipal, SECURE_SESSION_COOKIE, SESSION_COOKIE } from '@/lib/auth/request-auth';
import { createSession, sessionHash } from '@/lib/auth/session-store';
import {
  FREE_ADDRESS_FAILURES,
  FREE_FAILURES,
  FREE_USER_FAILURES,
  lockSeconds,
  MAX_LOCK_SEC,
  MAX_USER_LOCK_SEC,
  startLoginAttempt,
} from '@/lib/auth/login-throttle';
import { gate } from '@/lib/auth/gate';
import { findUser, userFingerprint } from '@/lib/auth/users';
import { TooManyRequestsError } from '@/lib/errors';
import { createApiApp } from '@/lib/api/api-app';
import { ADMIN, fillPasswordLine, VIEWER } from './security-support';
import { scanKeys } from './helpers';

/**
 * Sign-in under attack, in-process: the sign-in and sign-out route handlers
 * called with crafted Requests (as server.ts calls them), against this file's
 * Redis prefix.
 *  - concurrent guesses are counted before the password check, so a burst
 *    gets no more checks (or audit entries) than one guess at a time would;
 *  - addresses are counted per IPv6 /64 (IPv4-mapped = IPv4), and an account
 *    has a limit across addresses that never locks out its known addresses
 *    and never lasts more than MAX_USER_LOCK_SEC;
 *  - the session cookie is `__Host-` over HTTPS, and a sign-in ends the
 *    session the browser already had;
 *  - sign-in and sign-out refuse cross-origin requests (login CSRF).
 */

const ORIGIN = 'http://127.0.0.1:5555';
const redis = getRedis();
const keys = celerityKeys();
const api = createApiApp();
/** Sign-in and sign-out as the API app serves them (in-process: the URL says which). */
const loginRoute = (req: Request, _ctx?: unknown): Promise<Response> => Promise.resolve(api.fetch(req));
const logoutRoute = loginRoute;
const noParams = undefined;

afterAll(async () => {
  await closeRedis();
});

// Each test starts with no failed sign-ins on record (a lock one test sets on purpose must not refuse the next).
beforeEach(async () => {
  const stale = [...(await snapshot(keys.loginThrottle('*'))).keys()];
  if (stale.length) await redis.del(...stale);
});

function loginRequest(body: unknown, headers: Record<string, string> = {}): Request {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Request(`${ORIGIN}/api/auth/login`, {
    method: 'POST',
    headers: { host: '127.0.0.1:5555', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
    body: text,
  });
}

const signIn = (body: unknown, headers: Record<string, string> = {}) => loginRoute(loginRequest(body, headers), noParams);
const admin = { username: ADMIN.name, password: ADMIN.password };
const from = (ip: string) => ({ [CLIENT_IP_HEADER]: ip });

/** Every key under `pattern` with a hash of its value (DUMP): equal snapshots, nothing changed. */
async function snapshot(pattern = `${env().CELERITY_PREFIX}:*`): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of await scanKeys(redis, pattern)) {
    const dump = await redis.dumpBuffer(k);
    out.set(k, dump ? createHash('sha256').update(dump).digest('hex') : 'gone');
  }
  return out;
}

/** Entries in the audit log (all of its streams). */
async function auditCount(): Promise<number> {
  let n = 0;
  for (const k of (await snapshot(`${keys.audit}*`)).keys()) n += await redis.xlen(k);
  return n;
}

const sessionCount = async () => (await snapshot(keys.session('*'))).size;

/** The session id a response set (under `name`), or undefined. */
function setSession(res: Response, name: string): { id: string; attributes: string[] } | undefined {
  for (const c of res.headers.getSetCookie()) {
    const [pair, ...attributes] = c.split('; ');
    if (pair!.startsWith(`${name}=`)) return { id: pair!.slice(name.length + 1), attributes };
  }
  return undefined;
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe('guesses sent all at once', () => {
  it(`50 wrong passwords at once for one account from one address: ${FREE_FAILURES} are checked (401), the rest refused before any check (429, Retry-After); ${FREE_FAILURES} audit entries`, async () => {
    const auditBefore = await auditCount();
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => signIn({ username: VIEWER.name, password: `guess-${i}` }, from('198.51.100.50'))));
    expect(tally(responses.map((r) => r.status))).toEqual({ 401: FREE_FAILURES, 429: 50 - FREE_FAILURES });
    for (const r of responses.filter((x) => x.status === 429)) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(lockSeconds(FREE_FAILURES));
    }
    // Only the checked guesses were logged: a burst cannot flood the audit log.
    expect((await auditCount()) - auditBefore).toBe(FREE_FAILURES);
    // Locked: even the right password is refused now (the guesser learns nothing).
    expect((await signIn({ username: VIEWER.name, password: VIEWER.password }, from('198.51.100.50'))).status).toBe(429);
  });

  it('with the line of password checks full: 503 with Retry-After, no check, nothing counted or audited', async () => {
    const before = await snapshot();
    const line = fillPasswordLine();
    let res: Response;
    try {
      res = await signIn(admin, from('198.51.100.60'));
    } finally {
      await line.release();
    }
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(setSession(res, SESSION_COOKIE)).toBeUndefined();
    // The attempt gave its count back: not even a throttle counter is left over.
    expect(await snapshot()).toEqual(before);
    expect((await signIn(admin, from('198.51.100.60'))).status).toBe(200);
  });
});

describe('addresses are counted by network', () => {
  it('every address of an IPv6 /64 shares one budget; the next /64 has its own', async () => {
    const name = 'v6-victim';
    for (let i = 1; i <= FREE_FAILURES; i++)
      expect((await signIn({ username: name, password: 'x' }, from(`2001:db8:aa:1::${i.toString(16)}`))).status).toBe(401);
    const stepped = await signIn({ username: name, password: 'x' }, from('2001:db8:aa:1:ffff:ffff:ffff:fffe'));
    expect(stepped.status).toBe(429);
    expect((await signIn({ username: name, password: 'x' }, from('2001:db8:aa:2::1'))).status).toBe(401);
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address', async () => {
    const name = 'mapped-victim';
    for (let i = 0; i < FREE_FAILURES; i++) {
      expect((await signIn({ username: name, password: 'x' }, from(i % 2 ? '::ffff:198.51.100.9' : '198.51.100.9'))).status).toBe(401);
    }
    expect((await signIn({ username: name, password: 'x' }, from('::ffff:198.51.100.9'))).status).toBe(429);
    expect((await signIn({ username: name, password: 'x' }, from('198.51.100.9'))).status).toBe(429);
  });
});

describe('an account across addresses', () => {
  it(`after ${FREE_USER_FAILURES} failures from many addresses, new addresses wait (even with the right password); an address the user signed in from does not`, async () => {
    expect((await signIn(admin, from('192.0.2.1'))).status).toBe(200);
    for (let i = 1; i <= FREE_USER_FAILURES; i++)
      expect((await signIn({ username: ADMIN.name, password: `guess-${i}` }, from(`203.0.113.${i}`))).status).toBe(401);
    const fresh = await signIn(admin, from('203.0.113.200'));
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers.get('retry-after'))).toBeLessThanOrEqual(MAX_USER_LOCK_SEC);
    // The real user, from where they signed in before, is not locked out.
    expect((await signIn(admin, from('192.0.2.1'))).status).toBe(200);
    // Another account is not affected.
    expect((await signIn({ username: VIEWER.name, password: VIEWER.password }, from('203.0.113.201'))).status).toBe(200);
  });

  it(`however long a distributed attack lasts, an account is never locked for more than ${MAX_USER_LOCK_SEC} s at a time`, async () => {
    const user = 'long-siege';
    let now = Date.parse('2030-01-01T00:00:00Z');
    const locks: number[] = [];
    for (let i = 0; i < FREE_USER_FAILURES + 12; i++) {
      // A new address every time (the pair and address budgets never run out), each as soon as the last lock ended.
      const a = await startLoginAttempt(redis, user, `198.18.${i}.1`, now);
      locks.push(a.lockSeconds);
      // While locked, a new address is refused without counting…
      if (a.lockSeconds > 0) {
        const refused = await startLoginAttempt(redis, user, `198.19.${i}.1`, now + 1000).catch((err: unknown) => err);
        expect(refused).toBeInstanceOf(TooManyRequestsError);
        expect((refused as TooManyRequestsError).retryAfterSec).toBeLessThanOrEqual(MAX_USER_LOCK_SEC);
      }
      now += a.lockSeconds * 1000;
    }
    expect(locks).toEqual(locks.map((_, i) => lockSeconds(i + 1, FREE_USER_FAILURES, MAX_USER_LOCK_SEC)));
    expect(Math.max(...locks)).toBe(MAX_USER_LOCK_SEC);
    // …and once the lock ends, the account can be tried again.
    await expect(startLoginAttempt(redis, user, '198.20.0.1', now)).resolves.toBeTruthy();
  });

  it('a count outlives its lock: when the longest lock ends, the next guess is not free again', async () => {
    const throttleKeys = () => redis.keys(celerityKeys().loginThrottle('*'));
    const before = new Set(await throttleKeys());
    let now = Date.parse('2031-01-01T00:00:00Z');
    let attempt;
    // One account from one address, each guess as soon as the last lock ended, up to the longest lock.
    do {
      attempt = await startLoginAttempt(redis, 'patient-guesser', '198.51.100.77', now);
      now += attempt.lockSeconds * 1000;
    } while (attempt.lockSeconds < MAX_LOCK_SEC);
    const locked = [];
    for (const key of (await throttleKeys()).filter((k) => !before.has(k))) {
      if (await redis.hexists(key, 'lockedUntil')) locked.push({ key, ttlMs: await redis.pttl(key) });
    }
    expect(locked).toHaveLength(1); // the account-and-address pair; the address and account budgets are larger
    // Its count is kept for longer than the lock lasts (the lock, then the time to forget).
    expect(locked[0]!.ttlMs).toBeGreaterThan(MAX_LOCK_SEC * 1000);
  });

  // 52 sign-ins, each a real password check at today's scrypt parameters (~130 ms on an idle core, seconds on a busy one).
  it('many successful sign-ins from one address (a shared office address) never lock it', { timeout: 180_000 }, async () => {
    for (let i = 0; i < FREE_ADDRESS_FAILURES + 2; i++) {
      const res = await signIn(i % 2 ? admin : { username: VIEWER.name, password: VIEWER.password }, from('192.0.2.99'));
      expect(res.status, `sign-in ${i + 1}`).toBe(200);
    }
  });
});

describe('the session cookie', () => {
  const https = { 'x-forwarded-proto': 'https' };

  it('over HTTPS is __Host-celerity_session: Secure, Path=/, no Domain, HttpOnly, SameSite=Lax', async () => {
    const res = await signIn(admin, { ...https, ...from('192.0.2.10') });
    expect(res.status).toBe(200);
    expect(setSession(res, SESSION_COOKIE)).toBeUndefined();
    const cookie = setSession(res, SECURE_SESSION_COOKIE)!;
    expect(cookie.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(['Path=/', 'HttpOnly', 'SameSite=Lax', 'Secure']);
    const p = await resolvePrincipal(new Headers({ ...https, cookie: `${SECURE_SESSION_COOKIE}=${cookie.id}` }), redis);
    expect(p.principal).toMatchObject({ kind: 'user', name: ADMIN.name });
  });

  it('over HTTP is celerity_session, not Secure', async () => {
    const res = await signIn(admin, from('192.0.2.11'));
    expect(setSession(res, SECURE_SESSION_COOKIE)).toBeUndefined();
    const cookie = setSession(res, SESSION_COOKIE)!;
    expect(cookie.attributes).toEqual(['Path=/', 'HttpOnly', 'SameSite=Lax']);
    expect((await resolvePrincipal(new Headers({ cookie: `${SESSION_COOKIE}=${cookie.id}` }), redis)).principal).toMatchObject({ name: ADMIN.name });
  });

  it('over HTTPS a plain celerity_session (planted by a sibling subdomain) is never read, not even in front of ours', async () => {
    const victim = setSession(await signIn(admin, { ...https, ...from('192.0.2.12') }), SECURE_SESSION_COOKIE)!.id;
    // The attacker's own valid session, tossed in under the plain name.
    const planted = setSession(await signIn({ username: VIEWER.name, password: VIEWER.password }, from('192.0.2.13')), SESSION_COOKIE)!.id;
    const shadowed = await resolvePrincipal(new Headers({ ...https, cookie: `${SESSION_COOKIE}=${planted}; ${SECURE_SESSION_COOKIE}=${victim}` }), redis);
    expect(shadowed.principal).toMatchObject({ name: ADMIN.name });
    expect(await resolvePrincipal(new Headers({ ...https, cookie: `${SESSION_COOKIE}=${planted}` }), redis)).toEqual({ principal: null, reason: 'none' });
    // Over plain HTTP the same cookie is the session (no prefix can protect a cookie there).
    expect((await resolvePrincipal(new Headers({ cookie: `${SESSION_COOKIE}=${planted}` }), redis)).principal).toMatchObject({ name: VIEWER.name });
  });

  it('signing out over HTTPS clears the __Host- cookie and ends the session', async () => {
    const signedIn = await signIn(admin, { ...https, ...from('192.0.2.14') });
    const id = setSession(signedIn, SECURE_SESSION_COOKIE)!.id;
    const csrf = setSession(signedIn, CSRF_COOKIE)!.id;
    const res = await logoutRoute(
      new Request(`${ORIGIN}/api/auth/logout`, {
        method: 'POST',
        headers: { ...https, host: '127.0.0.1:5555', cookie: `${SECURE_SESSION_COOKIE}=${id}; ${CSRF_COOKIE}=${csrf}`, 'x-csrf-token': csrf },
      }),
      noParams,
    );
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toContain(`${SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure`);
    expect(await redis.exists(keys.session(sessionHash(id)))).toBe(0);
  });

  it.each([
    ['HTTP', SESSION_COOKIE, {}],
    ['HTTPS', SECURE_SESSION_COOKIE, https],
  ] as const)('over %s, signing in ends the session the browser already had (even another user’s); a failed sign-in leaves it', async (_, name, scheme) => {
    const old = await createSession(redis, { user: VIEWER.name, fp: userFingerprint(findUser(VIEWER.name)!), ip: '' });
    const browser = { ...scheme, ...from('192.0.2.20'), cookie: `${name}=${old.id}; ${CSRF_COOKIE}=${old.record.csrf}`, 'x-csrf-token': old.record.csrf };
    const oldKey = keys.session(sessionHash(old.id));
    expect((await signIn({ username: ADMIN.name, password: 'wrong' }, browser)).status).toBe(401);
    expect(await redis.exists(oldKey)).toBe(1);
    const res = await signIn(admin, browser);
    expect(res.status).toBe(200);
    const fresh = setSession(res, name)!.id;
    expect(fresh).not.toBe(old.id);
    expect(await redis.exists(oldKey)).toBe(0);
    expect(await redis.exists(keys.session(sessionHash(fresh)))).toBe(1);
  });
});

describe('cross-origin sign-in and sign-out (login CSRF)', () => {
  const foreign: [string, Record<string, string>, string][] = [
    ['JSON from another origin', { origin: 'https://evil.example' }, JSON.stringify(admin)],
    [
      'a cross-site HTML form (urlencoded)',
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'content-type': 'application/x-www-form-urlencoded' },
      `username=${ADMIN.name}&password=${ADMIN.password}`,
    ],
    [
      'a cross-site HTML form (text/plain)',
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      JSON.stringify(admin),
    ],
    [
      'a sandboxed frame (Origin: null)',
      { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      `username=${ADMIN.name}&password=${ADMIN.password}`,
    ],
    ['a sibling subdomain (same-site)', { origin: 'https://other.celerity.example', 'sec-fetch-site': 'same-site' }, JSON.stringify(admin)],
    ['another origin named only by Referer', { referer: 'https://evil.example/attack' }, JSON.stringify(admin)],
  ];

  it.each(foreign)('sign-in by %s, with the right password → 403, no cookie, nothing in Redis', async (_, headers, body) => {
    const before = await snapshot();
    const res = await signIn(body, { ...from('192.0.2.30'), ...headers });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    // No session, no throttle counter, no audit entry: nothing at all.
    expect(await snapshot()).toEqual(before);
  });

  it('the same sign-in from the console’s own page works (so the refusals above are about the origin)', async () => {
    const sessions = await sessionCount();
    const res = await signIn(admin, {
      ...from('192.0.2.30'),
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
      cookie: `${CSRF_COOKIE}=t0k3n`,
      'x-csrf-token': 't0k3n',
    });
    expect(res.status).toBe(200);
    expect(await sessionCount()).toBe(sessions + 1);
  });

  it('sign-out from another origin → 403 and the session lives on; from our own page it ends', async () => {
    const s = setSession(await signIn(admin, from('192.0.2.31')), SESSION_COOKIE)!.id;
    const { csrf } = (await resolvePrincipal(new Headers({ cookie: `${SESSION_COOKIE}=${s}` }), redis)).principal as { csrf: string };
    const logout = (headers: Record<string, string>) =>
      logoutRoute(
        new Request(`${ORIGIN}/api/auth/logout`, {
          method: 'POST',
          headers: { host: '127.0.0.1:5555', cookie: `${SESSION_COOKIE}=${s}; ${CSRF_COOKIE}=${csrf}`, ...headers },
        }),
        noParams,
      );
    const foreignHeaders: Record<string, string>[] = [
      { origin: 'https://evil.example', 'x-csrf-token': csrf },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
    ];
    for (const headers of foreignHeaders) {
      const res = await logout(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await redis.exists(keys.session(sessionHash(s)))).toBe(1);
    }
    expect((await logout({ origin: ORIGIN, 'x-csrf-token': csrf })).status).toBe(200);
    expect(await redis.exists(keys.session(sessionHash(s)))).toBe(0);
  });
});

describe('"your session ended" only when it did', () => {
  const opts = { authEnabled: true, insecure: false };
  const page = (cookie?: string) => ({
    method: 'GET',
    url: '/queues/x?state=failed',
    headers: new Headers({ host: '127.0.0.1:5555', ...(cookie ? { cookie } : {}) }),
  });

  it('a first visit goes to the login with the page remembered and no reason; a session that ended adds reason=expired', async () => {
    expect(await gate(page(), opts)).toEqual({ kind: 'redirect', location: '/login?next=%2Fqueues%2Fx%3Fstate%3Dfailed' });
    const s = await createSession(redis, { user: ADMIN.name, fp: 'x', ip: '' });
    await redis.del(keys.session(sessionHash(s.id)));
    expect(await gate(page(`${SESSION_COOKIE}=${s.id}`), opts)).toEqual({
      kind: 'redirect',
      location: '/login?next=%2Fqueues%2Fx%3Fstate%3Dfailed&reason=expired',
    });
  });
});
