import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Accounts for this file, before anything reads the environment.
vi.hoisted(() => {
  process.env.CELERITY_USERS =
    'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM,bob:viewer:scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';
  process.env.CELERITY_SESSION_TTL = '120';
});

import { closeRedis, getRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { TooManyRequestsError, UnauthorizedError } from '@/lib/errors';
import { ADMIN, VIEWER } from './security-support';
import { createSession, readSession, sessionHash } from '@/lib/auth/session-store';
import { createToken, listTokens, revokeToken, verifyToken } from '@/lib/auth/api-tokens';
import { assertNotThrottled, FREE_FAILURES, lockSeconds, recordLoginFailure } from '@/lib/auth/login-throttle';
import { login } from '@/lib/auth/login';
import { resolvePrincipal, SESSION_COOKIE } from '@/lib/auth/request-auth';
import { appendAudit, auditActionFor, readAudit } from '@/lib/auth/audit-log';
import { gate } from '@/lib/auth/gate';
import { allows } from '@/lib/auth/principal';

const redis = getRedis();
const keys = celerityKeys();

afterAll(async () => {
  await closeRedis();
});

function headers(h: Record<string, string>): Headers {
  return new Headers(h);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('sessions', () => {
  it('stores the session under the hash of its id, with a sliding expiry', async () => {
    const { id, record } = await createSession(redis, { user: 'alice', fp: 'x', ip: '1.2.3.4' });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The id itself is nowhere in Redis.
    expect(await redis.exists(keys.session(id))).toBe(0);
    const key = keys.session(sessionHash(id));
    expect(await redis.pttl(key)).toBeGreaterThan(110_000);
    await redis.pexpire(key, 5_000);
    const s = await readSession(redis, id);
    expect(s?.record).toEqual(record);
    // Reading it renewed it to the full TTL.
    expect(await redis.pttl(key)).toBeGreaterThan(110_000);
  });

  it('an expired or malformed session id is no session', async () => {
    const { id } = await createSession(redis, { user: 'alice', fp: 'x', ip: '' });
    await redis.pexpire(keys.session(sessionHash(id)), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await readSession(redis, id)).toBeUndefined();
    expect(await readSession(redis, 'short')).toBeUndefined();
    expect(await readSession(redis, undefined)).toBeUndefined();
  });
});

describe('login', () => {
  const ctx = (ip: string) => ({ ip, path: '/api/auth/login' });

  it('opens a session for the right password and resolves it from the cookie', async () => {
    const r = await login(redis, { username: ADMIN.name, password: ADMIN.password, next: '/queues/x' }, ctx('10.0.0.1'));
    expect(r.user.role).toBe('admin');
    expect(r.next).toBe('/queues/x');
    const p = (await resolvePrincipal(headers({ cookie: `${SESSION_COOKIE}=${r.sessionId}` }), redis)).principal;
    expect(p).toMatchObject({ kind: 'user', name: 'alice', role: 'admin', csrf: r.session.csrf });
  });

  it('answers the same for a wrong password and an unknown user, and audits both', async () => {
    const a = await rejection(login(redis, { username: ADMIN.name, password: 'wrong' }, ctx('10.0.0.2')));
    const b = await rejection(login(redis, { username: 'nobody', password: 'wrong' }, ctx('10.0.0.2')));
    expect(a).toBeInstanceOf(UnauthorizedError);
    expect(b).toBeInstanceOf(UnauthorizedError);
    expect((a as Error).message).toBe((b as Error).message);
    const { entries } = await readAudit(redis, { limit: 2 });
    expect(entries.map((e) => [e.action, e.actor, e.status])).toEqual([
      ['login.failed', 'nobody', 401],
      ['login.failed', 'alice', 401],
    ]);
  });

  it('refuses an open redirect in next', async () => {
    const r = await login(redis, { username: VIEWER.name, password: VIEWER.password, next: '//evil.example/x' }, ctx('10.0.0.3'));
    expect(r.next).toBe('/');
  });

  it('locks a user name + address out after repeated failures, with growing waits; other addresses are not affected', async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < FREE_FAILURES; i++) {
      expect(await rejection(login(redis, { username: VIEWER.name, password: 'nope' }, ctx(ip)))).toBeInstanceOf(UnauthorizedError);
    }
    // Locked now: even the right password is refused (the guesser learns nothing), with Retry-After.
    const locked = await rejection(login(redis, { username: VIEWER.name, password: VIEWER.password }, ctx(ip)));
    expect(locked).toBeInstanceOf(TooManyRequestsError);
    expect((locked as TooManyRequestsError).retryAfterSec).toBeGreaterThan(10);
    expect((locked as TooManyRequestsError).retryAfterSec).toBeLessThanOrEqual(15);
    // Another address still signs in.
    await expect(login(redis, { username: VIEWER.name, password: VIEWER.password }, ctx('10.9.9.10'))).resolves.toBeTruthy();
    expect([lockSeconds(4), lockSeconds(5), lockSeconds(6), lockSeconds(7), lockSeconds(30)]).toEqual([0, 15, 30, 60, 3600]);
  });

  it('a success clears the failures', async () => {
    const ip = '10.8.8.8';
    for (let i = 0; i < FREE_FAILURES - 1; i++) await recordLoginFailure(redis, 'alice', ip);
    await login(redis, { username: ADMIN.name, password: ADMIN.password }, ctx(ip));
    for (let i = 0; i < FREE_FAILURES - 1; i++) await recordLoginFailure(redis, 'alice', ip);
    await expect(assertNotThrottled(redis, 'alice', ip)).resolves.toBeUndefined();
  });

  it('a session ends when its account changes', async () => {
    const { id } = await createSession(redis, { user: 'alice', fp: 'an-old-password', ip: '' });
    const r = await resolvePrincipal(headers({ cookie: `${SESSION_COOKIE}=${id}` }), redis);
    expect(r).toEqual({ principal: null, reason: 'expired' });
    expect(await redis.exists(keys.session(sessionHash(id)))).toBe(0);
  });
});

describe('API tokens', () => {
  it('stores only a hash, verifies, lists without secrets, and revokes at once', async () => {
    const { token, record } = await createToken(redis, { name: 'deploy', scope: 'write' }, 'alice');
    expect(token).toMatch(/^cel_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = await redis.hget(keys.tokens, record.id);
    // The secret is everything after `cel_<id>_` (it may itself contain '_').
    expect(stored).not.toContain(token.slice('cel_'.length + 12 + 1));
    expect((await verifyToken(redis, token))?.scope).toBe('write');
    expect(await verifyToken(redis, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    const listed = await listTokens(redis);
    expect(listed.find((t) => t.id === record.id)).toMatchObject({ name: 'deploy', scope: 'write', createdBy: 'alice' });
    expect(JSON.stringify(listed)).not.toContain(token);

    const p = (await resolvePrincipal(headers({ authorization: `Bearer ${token}` }), redis)).principal!;
    expect(p).toMatchObject({ kind: 'token', name: 'deploy', scope: 'write' });
    expect([allows(p, 'read'), allows(p, 'write'), allows(p, 'admin')]).toEqual([true, true, false]);

    await revokeToken(redis, record.id);
    expect(await verifyToken(redis, token)).toBeUndefined();
    expect((await resolvePrincipal(headers({ authorization: `Bearer ${token}` }), redis)).principal).toBeNull();
  });

  it('a read token reads only', async () => {
    const { token } = await createToken(redis, { name: 'grafana', scope: 'read' }, 'alice');
    const p = (await resolvePrincipal(headers({ authorization: `Bearer ${token}` }), redis)).principal!;
    expect([allows(p, 'read'), allows(p, 'write')]).toEqual([true, false]);
  });

  it('refuses bad names and scopes with the field, and duplicate names', async () => {
    await expect(createToken(redis, { name: '', scope: 'read' }, 'a')).rejects.toMatchObject({ field: 'name' });
    await expect(createToken(redis, { name: 'x'.repeat(101), scope: 'read' }, 'a')).rejects.toMatchObject({ field: 'name' });
    await expect(createToken(redis, { name: 'ok', scope: 'admin' }, 'a')).rejects.toMatchObject({ field: 'scope' });
    await createToken(redis, { name: 'twice', scope: 'read' }, 'a');
    await expect(createToken(redis, { name: 'twice', scope: 'read' }, 'a')).rejects.toMatchObject({ status: 409 });
  });

  it('a malformed Authorization header is refused, never ignored in favour of the cookie', async () => {
    const { id } = await createSession(redis, { user: 'alice', fp: 'x', ip: '' });
    for (const auth of ['Basic YWxpY2U6cHc=', 'Bearer', 'Bearer cel_nope']) {
      expect((await resolvePrincipal(headers({ authorization: auth, cookie: `${SESSION_COOKIE}=${id}` }), redis)).principal).toBeNull();
    }
  });
});

describe('audit log', () => {
  beforeEach(async () => {
    await redis.del(keys.audit);
  });

  it('derives action and target from method and path', () => {
    expect(auditActionFor('POST', '/api/v1/queues/default/jobs/42/retry')).toEqual({ action: 'job.retry', target: 'default/42' });
    expect(auditActionFor('POST', '/api/v1/queues/my%20q/pause')).toEqual({ action: 'queue.pause', target: 'my q' });
    expect(auditActionFor('POST', '/api/v1/tasks/add/runs')).toEqual({ action: 'task.run', target: 'add' });
    expect(auditActionFor('DELETE', '/api/v1/schedules/nightly')).toEqual({ action: 'schedule.delete', target: 'nightly' });
    expect(auditActionFor('PUT', '/api/v1/something/new')).toEqual({ action: 'put /something/new', target: '' });
  });

  it('pages newest first with a cursor, and is capped', async () => {
    for (let i = 0; i < 7; i++) await appendAudit(redis, { action: `a${i}`, target: '', actor: 'x', ip: '', method: 'POST', path: '/', status: 200 });
    const p1 = await readAudit(redis, { limit: 3 });
    expect(p1.entries.map((e) => e.action)).toEqual(['a6', 'a5', 'a4']);
    const p2 = await readAudit(redis, { limit: 3, before: p1.next! });
    expect(p2.entries.map((e) => e.action)).toEqual(['a3', 'a2', 'a1']);
    const p3 = await readAudit(redis, { limit: 3, before: p2.next! });
    expect(p3.entries.map((e) => e.action)).toEqual(['a0']);
    expect(p3.next).toBeNull();
    // A bad cursor is the first page, not an error.
    expect((await readAudit(redis, { limit: 1, before: 'nonsense' })).entries[0]!.action).toBe('a6');
  });

  it('clips hostile long values', async () => {
    await appendAudit(redis, { action: 'x', target: 't'.repeat(10_000), actor: 'x', ip: '', method: 'POST', path: '/', status: 200 });
    const [e] = (await readAudit(redis, { limit: 1 })).entries;
    expect(e!.target.length).toBeLessThan(600);
  });
});

describe('gate', () => {
  const opts = { authEnabled: true, insecure: false };
  const req = (url: string, h: Record<string, string> = {}, method = 'GET') => ({ method, url, headers: headers({ host: '127.0.0.1:5555', ...h }) });

  it('sends a page without a session to the login, remembering it', async () => {
    expect(await gate(req('/queues/x?state=failed'), opts)).toEqual({ kind: 'redirect', location: '/login?next=%2Fqueues%2Fx%3Fstate%3Dfailed' });
  });

  it('answers 401 to the API, metrics, the socket and client-side navigations', async () => {
    for (const [url, h] of [
      ['/api/v1/queues', {}],
      ['/metrics', {}],
      ['/socket.io/?EIO=4&transport=polling', {}],
      ['/queues', { rsc: '1' }],
    ] as const) {
      const d = await gate(req(url, h), opts);
      expect(d.kind === 'deny' && d.status, url).toBe(401);
    }
  });

  it('lets the login page, health and static assets through', async () => {
    for (const url of ['/login?next=/x', '/api/auth/login', '/api/health', '/_next/static/chunks/a.js']) {
      expect((await gate(req(url), opts)).kind).toBe('pass');
    }
    // …but not look-alikes.
    expect((await gate(req('/login/../queues'), opts)).kind).toBe('redirect');
    expect((await gate(req('/_next/staticx'), opts)).kind).toBe('redirect');
  });

  it('lets a valid session through', async () => {
    const { id } = await createSession(redis, { user: 'bob', fp: (await import('@/lib/auth/users')).userFingerprint((await import('@/lib/auth/users')).findUser('bob')!), ip: '' });
    const d = await gate(req('/queues', { cookie: `${SESSION_COOKIE}=${id}` }), opts);
    expect(d).toMatchObject({ kind: 'pass', principal: { kind: 'user', name: 'bob', role: 'viewer' } });
  });

  it('without accounts, answers only to loopback host names (DNS rebinding)', async () => {
    const open = { authEnabled: false, insecure: false };
    expect((await gate(req('/queues', { host: 'evil.example:5555' }), open)).kind).toBe('deny');
    expect((await gate(req('/api/v1/queues', { host: 'evil.example' }), open)).kind).toBe('deny');
    // (This file has accounts, so what follows the host check is a redirect to the login: the host check passed.)
    for (const host of ['127.0.0.1:5555', 'localhost:5555', '[::1]:5555']) expect((await gate(req('/queues', { host }), open)).kind, host).not.toBe('deny');
    expect((await gate(req('/queues', { host: 'evil.example' }), { authEnabled: false, insecure: true })).kind).not.toBe('deny');
  });
});

describe('login throttling per address', () => {
  it('cycling through user names from one address is locked out too, and a success does not reset it', async () => {
    const { FREE_ADDRESS_FAILURES } = await import('@/lib/auth/login-throttle');
    const ip = '10.7.7.7';
    for (let i = 0; i < FREE_ADDRESS_FAILURES - 1; i++) await recordLoginFailure(redis, `user${i}`, ip);
    await login(redis, { username: ADMIN.name, password: ADMIN.password }, { ip, path: '/' });
    await recordLoginFailure(redis, 'one-more', ip);
    const err = await rejection(assertNotThrottled(redis, 'never-tried', ip));
    expect(err).toBeInstanceOf(TooManyRequestsError);
    // Another address is not affected.
    await expect(assertNotThrottled(redis, 'never-tried', '10.7.7.8')).resolves.toBeUndefined();
  });

  it('a session read without touch does not renew it', async () => {
    const { id } = await createSession(redis, { user: 'alice', fp: 'x', ip: '' });
    const key = keys.session(sessionHash(id));
    await redis.pexpire(key, 5_000);
    expect(await readSession(redis, id, false)).toBeTruthy();
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
  });
});
