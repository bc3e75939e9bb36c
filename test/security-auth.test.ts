import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Accounts for this file, before anything reads the environment.
vi.hoisted(() => {
  process.env.CELERITY_USERS =
    'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM,bob:viewer:scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';
  process.env.CELERITY_SESSION_TTL = '120';
  // The smallest cap the console accepts, so the cap test can overrun it.
  process.env.CELERITY_AUDIT_MAXLEN = '100';
});

import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { closeRedis, createRedis, getRedis } from '@/lib/redis';
import { env } from '@/lib/env';
import { closeQueues } from '@/lib/queue/queue-registry';
import { publishCatalogue } from '@/lib/registry/catalogue';
import { defineTask } from '@/lib/registry/define-task';
import { apiRoute } from '@/lib/http/api-route';
import { API_OPERATIONS } from '@/lib/api/operations';
import { createApiApp } from '@/lib/api/api-app';

/** A route as apiRoute makes it (the API app's operations take the parameters from the URL instead). */
type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
import { CSRF_COOKIE } from '@/lib/http/csrf';
import { CLIENT_IP_HEADER } from '@/lib/auth/request-auth';
import { celerityKeys } from '@/lib/keys';
import { TooManyRequestsError, UnauthorizedError } from '@/lib/errors';
import { ADMIN, VIEWER } from './security-support';
import { createSession, readSession, sessionHash } from '@/lib/auth/session-store';
import { checkToken, createToken, listTokens, revokeToken } from '@/lib/auth/api-tokens';
import { FREE_ADDRESS_FAILURES, FREE_FAILURES, lockSeconds, startLoginAttempt } from '@/lib/auth/login-throttle';
import { login } from '@/lib/auth/login';
import { verifyPassword } from '@/lib/auth/password';
import { currentPasswordHash } from '@/lib/auth/password-upgrade';
import { findUser, userFingerprint } from '@/lib/auth/users';
import { resolvePrincipal, SESSION_COOKIE } from '@/lib/auth/request-auth';
import { appendAudit, readAudit, type AuditContext, type AuditEntry } from '@/lib/auth/audit-log';
import { gate } from '@/lib/auth/gate';
import { allows, type Principal } from '@/lib/auth/principal';
import { sessionView } from '@/app/_auth/session-view';

const redis = getRedis();
const keys = celerityKeys();

afterAll(async () => {
  await closeQueues();
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
    // An attempt never settled is a failure (what a wrong password leaves behind), counted by the same Lua step as a sign-in.
    for (let i = 0; i < FREE_FAILURES - 1; i++) await startLoginAttempt(redis, 'alice', ip);
    await login(redis, { username: ADMIN.name, password: ADMIN.password }, ctx(ip));
    for (let i = 0; i < FREE_FAILURES - 1; i++) await startLoginAttempt(redis, 'alice', ip);
    // Without the clear, these 4 + 4 would have locked the pair: the next attempt is still let through.
    await expect(startLoginAttempt(redis, 'alice', ip)).resolves.toMatchObject({ lockSeconds: 15 });
  });

  it('older password hashes: the configured one (N=2^14, p=1) signs in and is upgraded in Redis to today’s parameters; a wrong password still fails', async () => {
    const upgradeKey = async () => (await redis.keys(keys.passwordUpgrade('*')))[0];
    await login(redis, { username: VIEWER.name, password: VIEWER.password }, ctx('10.8.9.1'));
    const bob = findUser(VIEWER.name)!;
    // The configuration is untouched (it is the operator's), and sessions keep the fingerprint of its hash.
    expect(bob.hash).toBe(VIEWER.hash);
    const upgraded = await currentPasswordHash(redis, bob);
    expect(upgraded).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword(VIEWER.password, upgraded)).toBe(true);
    // Checked against the upgraded hash from now on: the right password signs in, a wrong one does not, the hash stays.
    const again = await login(redis, { username: VIEWER.name, password: VIEWER.password }, ctx('10.8.9.2'));
    expect(again.session.fp).toBe(userFingerprint(bob));
    await expect(login(redis, { username: VIEWER.name, password: 'viewer-secret-2' }, ctx('10.8.9.3'))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(await currentPasswordHash(redis, bob)).toBe(upgraded);
    expect(await upgradeKey()).toBeDefined();
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
    expect(await checkToken(redis, token)).toMatchObject({ ok: true, record: { scope: 'write' } });
    expect(await checkToken(redis, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toEqual({ ok: false, reason: 'bad-token' });
    const listed = await listTokens(redis);
    expect(listed.find((t) => t.id === record.id)).toMatchObject({ name: 'deploy', scope: 'write', createdBy: 'alice' });
    expect(JSON.stringify(listed)).not.toContain(token);

    const p = (await resolvePrincipal(headers({ authorization: `Bearer ${token}` }), redis)).principal!;
    expect(p).toMatchObject({ kind: 'token', name: 'deploy', scope: 'write' });
    expect([allows(p, 'read'), allows(p, 'write'), allows(p, 'admin')]).toEqual([true, true, false]);

    await revokeToken(redis, record.id);
    expect(await checkToken(redis, token)).toEqual({ ok: false, reason: 'bad-token' });
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

  it('a token stops working when its creator is no longer an admin (removed from the accounts, or made a viewer)', async () => {
    // alice is an admin; bob a viewer (as if demoted after creating it); carol is not configured (as if removed).
    const made = await Promise.all(
      (['alice', 'bob', 'carol'] as const).map(async (by) => ({ by, ...(await createToken(redis, { name: `by-${by}`, scope: 'write' }, by)) })),
    );
    const ask = (token: string) => resolvePrincipal(headers({ authorization: `Bearer ${token}` }), redis);
    const [alice, bob, carol] = made;
    expect((await ask(alice!.token)).principal).toMatchObject({ kind: 'token', name: 'by-alice', scope: 'write' });
    for (const t of [bob!, carol!]) {
      expect(await ask(t.token), t.by).toEqual({ principal: null, reason: 'creator-not-admin' });
      expect(await checkToken(redis, t.token)).toEqual({ ok: false, reason: 'creator-not-admin' });
      // A refused token is not "used".
      expect((await listTokens(redis)).find((x) => x.id === t.record.id)?.lastUsedAt).toBeNull();
    }

    // The API and the gate answer 401 and say why, not "invalid".
    const route = apiRoute(async () => ({ ok: true }));
    const res = await route(new Request('http://127.0.0.1:5555/api/v1/queues', { headers: { authorization: `Bearer ${bob!.token}` } }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("This API token's creator is no longer an admin");
    const d = await gate(
      { method: 'GET', url: '/api/v1/queues', headers: headers({ host: '127.0.0.1:5555', authorization: `Bearer ${carol!.token}` }) },
      { authEnabled: true, insecure: false },
    );
    expect(d.kind === 'deny' && [d.status, JSON.parse(d.body)]).toEqual([
      401,
      { error: { code: 'unauthorized', message: "This API token's creator is no longer an admin" } },
    ]);
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

  it("takes action and target from each operation's definition, and for creations from the answer", () => {
    /** The entry an operation's declared rule makes of a call (lib/api/*.ts `audit`). */
    const entry = (method: string, path: string, c: Partial<AuditContext> = {}) => {
      const rule = API_OPERATIONS.find((op) => op.method === method && op.path === path)?.audit;
      if (!rule) throw new Error(`${method} ${path} declares no audit rule`);
      return { action: rule.action, target: rule.target({ actor: 'alice', params: {}, ...c }) };
    };
    const job = { queue: 'default', id: '42' };
    expect(entry('post', '/api/v1/queues/{queue}/jobs/{id}/retry', { params: job })).toEqual({ action: 'job.retry', target: 'default/42' });
    expect(entry('post', '/api/v1/queues/{queue}/pause', { params: { queue: 'my q' } })).toEqual({ action: 'queue.pause', target: 'my q' });
    expect(entry('delete', '/api/v1/schedules/{name}', { params: { name: 'nightly' } })).toEqual({ action: 'schedule.delete', target: 'nightly' });
    // Creations name what they created…
    expect(entry('post', '/api/v1/tasks/{name}/runs', { params: { name: 'add' }, response: job })).toEqual({ action: 'task.run', target: 'default/42' });
    expect(entry('post', '/api/v1/queues/{queue}/jobs', { params: { queue: 'q' }, response: { queue: 'q', id: '7' } })).toEqual({
      action: 'job.add',
      target: 'q/7',
    });
    expect(entry('post', '/api/v1/queues/{queue}/jobs/{id}/rerun', { params: { queue: 'q', id: '6' }, response: { queue: 'q', id: '6-rerun' } }).target).toBe(
      'q/6 → q/6-rerun',
    );
    expect(entry('post', '/api/v1/schedules/{name}/runs', { params: { name: 'nightly' }, response: { queue: 'q', id: '9' } }).target).toBe('nightly → q/9');
    expect(entry('post', '/api/v1/schedules', { request: { name: 'asked' }, response: { name: 'nightly' } }).target).toBe('nightly');
    const token = entry('post', '/api/v1/tokens', { response: { token: 'cel_0123456789ab_SECRET', record: { id: '0123456789ab', name: 'deploy' } } });
    expect(token).toEqual({ action: 'token.create', target: '0123456789ab (deploy)' });
    // …refused ones what was asked for (never empty).
    expect(entry('post', '/api/v1/tasks/{name}/runs', { params: { name: 'add' } }).target).toBe('add');
    expect(entry('post', '/api/v1/queues/{queue}/jobs/{id}/rerun', { params: { queue: 'q', id: '6' } }).target).toBe('q/6');
    expect(entry('post', '/api/v1/schedules', { request: { name: 'taken' } }).target).toBe('taken');
    expect(entry('post', '/api/v1/schedules').target).toBe('(no name given)');
    expect(entry('post', '/api/v1/tokens', { request: { name: 'dup' } }).target).toBe('(dup)');
    expect(entry('post', '/api/v1/tokens', { request: [] }).target).toBe('(no name given)');
    expect(entry('post', '/api/auth/logout')).toEqual({ action: 'logout', target: 'alice' });
    // A revocation names the token as its creation did, from the name read before it went; an unknown id alone.
    expect(entry('delete', '/api/v1/tokens/{id}', { params: { id: '0123456789ab' }, found: 'deploy' })).toEqual({
      action: 'token.revoke',
      target: '0123456789ab (deploy)',
    });
    expect(entry('delete', '/api/v1/tokens/{id}', { params: { id: 'nope' } }).target).toBe('nope');
  });

  it('is capped at CELERITY_AUDIT_MAXLEN: the oldest entries go, the newest stay', async () => {
    const cap = env().CELERITY_AUDIT_MAXLEN;
    expect(cap).toBe(100);
    const total = cap * 10;
    for (let i = 0; i < total; i++) await appendAudit(redis, { action: `c${i}`, target: 't', actor: 'x', ip: '', method: 'POST', path: '/', status: 200 });
    // MAXLEN ~ trims whole stream nodes only, so up to one node's worth may exceed the cap — never more.
    const [, nodeEntries] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    const len = await redis.xlen(keys.audit);
    expect(len).toBeGreaterThanOrEqual(cap);
    expect(len).toBeLessThanOrEqual(cap + Number(nodeEntries));
    expect(len).toBeLessThan(total);
    // The oldest entry left is a recent one; the newest `cap` are all there, in order.
    const oldest = (await redis.xrange(keys.audit, '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(oldest[0]![1][1]).toBe(`c${total - len}`);
    const { entries } = await readAudit(redis, { limit: cap });
    expect(entries.map((e) => e.action)).toEqual(Array.from({ length: cap }, (_, i) => `c${total - 1 - i}`));
  });

  it('pages newest first with a cursor', async () => {
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
    const { id } = await createSession(redis, {
      user: 'bob',
      fp: (await import('@/lib/auth/users')).userFingerprint((await import('@/lib/auth/users')).findUser('bob')!),
      ip: '',
    });
    const d = await gate(req('/queues', { cookie: `${SESSION_COOKIE}=${id}` }), opts);
    expect(d).toMatchObject({ kind: 'pass', principal: { kind: 'user', name: 'bob', role: 'viewer' } });
  });

  it('a page or API request renews the session; Socket.IO requests (long-polling included) do not', async () => {
    const users = await import('@/lib/auth/users');
    const { id } = await createSession(redis, { user: 'bob', fp: users.userFingerprint(users.findUser('bob')!), ip: '' });
    const key = keys.session(sessionHash(id));
    const cookie = { cookie: `${SESSION_COOKIE}=${id}` };
    await redis.pexpire(key, 5_000);
    // The handshake and a polling round trip, as a tab whose WebSocket is blocked makes every few seconds.
    for (const url of ['/socket.io/?EIO=4&transport=polling&t=a', '/socket.io/?EIO=4&transport=polling&t=b&sid=abc']) {
      expect((await gate(req(url, cookie), opts)).kind, url).toBe('pass');
      expect(await redis.pttl(key), url).toBeLessThanOrEqual(5_000);
    }
    expect((await gate(req('/socket.io/?EIO=4&transport=polling&sid=abc', cookie, 'POST'), opts)).kind).toBe('pass');
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
    // A page (or an API call) is activity: back to the full TTL.
    expect((await gate(req('/queues', cookie), opts)).kind).toBe('pass');
    expect(await redis.pttl(key)).toBeGreaterThan(110_000);
    await redis.pexpire(key, 5_000);
    expect((await gate(req('/api/v1/queues', cookie), opts)).kind).toBe('pass');
    expect(await redis.pttl(key)).toBeGreaterThan(110_000);
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
    const ip = '10.7.7.7';
    for (let i = 0; i < FREE_ADDRESS_FAILURES - 1; i++) await startLoginAttempt(redis, `user${i}`, ip);
    await login(redis, { username: ADMIN.name, password: ADMIN.password }, { ip, path: '/' });
    await startLoginAttempt(redis, 'one-more', ip);
    const err = await rejection(startLoginAttempt(redis, 'never-tried', ip));
    expect(err).toBeInstanceOf(TooManyRequestsError);
    // Another address is not affected.
    await expect(startLoginAttempt(redis, 'never-tried', '10.7.7.8')).resolves.toMatchObject({ lockSeconds: 0 });
  });

  it('a session read without touch does not renew it', async () => {
    const { id } = await createSession(redis, { user: 'alice', fp: 'x', ip: '' });
    const key = keys.session(sessionHash(id));
    await redis.pexpire(key, 5_000);
    expect(await readSession(redis, id, false)).toBeTruthy();
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
  });
});

describe('every state-changing route is audited', () => {
  /**
   * The write routes are found on disk as server.ts finds them (a route added
   * later is covered without editing this test); `[action]` routes are expanded
   * to the actions the OpenAPI document lists for them. Each is called once by
   * an admin, and must append exactly one entry naming a known action, a
   * non-empty target, the actor, the time and the address. Cases below only
   * supply what makes a call succeed, and the exact target where a creation
   * must name what it made.
   */
  const ORIGIN = 'http://127.0.0.1:5555';
  const IP = '203.0.113.7';
  const QUEUE = 'audit-q';
  const TASK = 'audit-add';
  const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
  const SCHEDULE = { name: 'audit-nightly', task: TASK, args: { a: 1, b: 2 }, trigger: { type: 'interval', every: 1, unit: 'hours' } };

  interface Fixture {
    waitingId: string;
    doneId: string;
    revokeId: string;
  }
  interface Case {
    params?: (f: Fixture) => Record<string, string>;
    /** The JSON body (a function: a fresh one per call). */
    body?: unknown;
    /** Another session for this call (signing in or out ends the one it is made with). */
    fresh?: true;
    /** The exact target, from the fixture and the JSON answer. */
    target?: (f: Fixture, answer: Record<string, unknown>) => string;
    /** The status the call must get (a creation must really create something). */
    status?: number;
  }

  const jobOf = (a: Record<string, unknown>) => `${String(a.queue)}/${String(a.id)}`;
  let tokens = 0;
  const CASES: Record<string, Case> = {
    'POST /api/auth/login': { fresh: true, body: { username: ADMIN.name, password: ADMIN.password }, target: () => ADMIN.name, status: 200 },
    'POST /api/auth/logout': { fresh: true, target: () => ADMIN.name, status: 200 },
    'POST /api/v1/tasks/[name]/runs': { body: { args: { a: 1, b: 2 } }, target: (_f, a) => jobOf(a), status: 201 },
    'POST /api/v1/queues/[queue]/jobs': { body: { name: 'raw', data: { x: 1 } }, target: (_f, a) => jobOf(a), status: 201 },
    'POST /api/v1/queues/[queue]/jobs/[id]/rerun': {
      params: (f) => ({ id: f.doneId }),
      body: {},
      target: (f, a) => `${QUEUE}/${f.doneId} → ${jobOf(a)}`,
      status: 201,
    },
    'POST /api/v1/queues/[queue]/jobs/[id]/priority': { body: { priority: 3 } },
    'POST /api/v1/queues/[queue]/clean': { body: { state: 'completed', olderThanMs: 3_600_000 } },
    'POST /api/v1/queues/[queue]/obliterate': { body: { confirm: 'not the name' }, status: 400 },
    'POST /api/v1/schedules': { body: SCHEDULE, target: () => SCHEDULE.name, status: 201 },
    'PUT /api/v1/schedules/[name]': { body: SCHEDULE, status: 200 },
    'PATCH /api/v1/schedules/[name]': { body: { enabled: false }, status: 200 },
    'DELETE /api/v1/schedules/[name]': { params: () => ({ name: 'audit-never-created' }), status: 404 },
    'POST /api/v1/schedules/[name]/runs': { target: (_f, a) => `${SCHEDULE.name} → ${jobOf(a)}`, status: 201 },
    'POST /api/v1/workers/[id]/concurrency': { body: { concurrency: 2 } },
    'POST /api/v1/tokens': {
      body: () => ({ name: `audit-created-${++tokens}`, scope: 'read' }),
      target: (_f, a) => `${(a.record as { id: string }).id} (audit-created-${tokens})`,
      status: 201,
    },
    // Named as its creation was, `id (name)`: the name is read before the token is gone.
    'DELETE /api/v1/tokens/[id]': { params: (f) => ({ id: f.revokeId }), target: (f) => `${f.revokeId} (audit-revoke)`, status: 204 },
  };

  function defaultParams(pattern: string, f: Fixture): Record<string, string> {
    const p: Record<string, string> = {};
    for (const [, name] of pattern.matchAll(/\[(\w+)\]/g)) {
      if (name === 'queue') p.queue = QUEUE;
      else if (name === 'id') p.id = pattern.includes('/jobs/') ? f.waitingId : pattern.includes('/workers/') ? 'no-such-worker' : 'no-such-scheduler';
      else if (name === 'name') p.name = pattern.includes('/tasks/') ? TASK : SCHEDULE.name;
      else p[name!] = 'x';
    }
    return p;
  }

  async function signedIn(): Promise<Record<string, string>> {
    const s = await login(redis, { username: ADMIN.name, password: ADMIN.password }, { ip: 'setup', path: '/' });
    return { cookie: `${SESSION_COOKIE}=${s.sessionId}; ${CSRF_COOKIE}=${s.session.csrf}`, 'x-csrf-token': s.session.csrf };
  }

  /** `{ key, pattern, method }` of every write call to make: one per defined write operation, served by the API app. */
  async function writeCalls(): Promise<{ key: string; pattern: string; method: string; handler: RouteHandler; action?: string }[]> {
    const api = createApiApp();
    const out: { key: string; pattern: string; method: string; handler: RouteHandler; action?: string }[] = [];
    for (const op of API_OPERATIONS) {
      const method = op.method.toUpperCase();
      if (!(WRITES as readonly string[]).includes(method)) continue;
      const pattern = op.path.replace(/\{(\w+)\}/g, '[$1]');
      out.push({ key: `${method} ${pattern}`, pattern, method, handler: async (req) => api.fetch(req) });
    }
    // Collections before their members, so creations come first and the calls on what they created find it.
    const depth = (p: string) => p.split('[').length;
    return out.sort((a, b) => depth(a.pattern) - depth(b.pattern));
  }

  async function newestId(): Promise<string> {
    const [last] = (await redis.xrevrange(keys.audit, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return last?.[0] ?? '0-0';
  }

  /** What is wrong with the audit trail of one call (empty: nothing). */
  async function auditProblems(
    call: { key: string; pattern: string; method: string; handler: RouteHandler; action?: string },
    f: Fixture,
    headers: Record<string, string>,
  ): Promise<{ problems: string[]; status: number; entry?: AuditEntry; answer: Record<string, unknown> }> {
    const c = CASES[call.key] ?? {};
    const params: Record<string, string> = { ...defaultParams(call.pattern, f), ...(call.action ? { action: call.action } : {}), ...c.params?.(f) };
    const url = ORIGIN + call.pattern.replace(/\[(\w+)\]/g, (_, n: string) => encodeURIComponent(params[n]!));
    const body = c.body === undefined ? undefined : JSON.stringify(typeof c.body === 'function' ? (c.body as () => unknown)() : c.body);
    const before = await newestId();
    const t0 = Date.now();
    const res = await call.handler(
      new Request(url, {
        method: call.method,
        headers: {
          host: '127.0.0.1:5555',
          origin: ORIGIN,
          [CLIENT_IP_HEADER]: IP,
          ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
        body,
      }),
      { params: Promise.resolve(params) },
    );
    const t1 = Date.now();
    const answer = (res.status !== 204 ? await res.json().catch(() => ({})) : {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (c.status !== undefined && res.status !== c.status) problems.push(`status ${res.status}, expected ${c.status}: ${JSON.stringify(answer)}`);
    const added = (await redis.xrange(keys.audit, `(${before}`, '+')) as [string, string[]][];
    if (added.length !== 1) {
      problems.push(`${added.length} audit entries, expected 1`);
      return { problems, status: res.status, answer };
    }
    const entry = (await readAudit(redis, { limit: 1 })).entries[0]!;
    if (!/^[a-z]+(\.[a-z-]+)?$/.test(entry.action))
      problems.push(`action "${entry.action}" is not a named action (declare its audit rule in its defineOperation, lib/api/*.ts)`);
    if (!entry.target) problems.push('empty target');
    const expected = c.target?.(f, answer);
    if (expected !== undefined && entry.target !== expected) problems.push(`target "${entry.target}", expected "${expected}"`);
    // Without an exact expectation, the target must at least name what the path names first (the queue, the schedule…).
    const named = Object.entries(params).find(([k]) => k !== 'action')?.[1];
    if (expected === undefined && named !== undefined && !entry.target.includes(named)) problems.push(`target "${entry.target}" does not name "${named}"`);
    if (entry.actor !== ADMIN.name) problems.push(`actor "${entry.actor}"`);
    if (entry.ip !== IP) problems.push(`ip "${entry.ip}"`);
    if (!(entry.at >= t0 - 1000 && entry.at <= t1 + 1000)) problems.push(`time ${entry.at} outside ${t0}–${t1}`);
    if (entry.method !== call.method || entry.path !== new URL(url).pathname) problems.push(`request ${entry.method} ${entry.path}`);
    if (entry.status !== res.status) problems.push(`status recorded ${entry.status}, answered ${res.status}`);
    return { problems, status: res.status, entry, answer };
  }

  let fixture: Fixture;

  beforeAll(async () => {
    const prefix = env().CELERITY_PREFIX;
    const task = defineTask({
      name: TASK,
      description: 'adds',
      queue: QUEUE,
      schema: z.object({ a: z.number(), b: z.number() }),
      handler: ({ a, b }) => a + b,
    });
    await publishCatalogue(redis, [task], 'security-auth');
    const q = new Queue(QUEUE, { connection: redis, prefix });
    // A finished job to re-run, taken and completed by hand (no worker process needed).
    const done = await q.add(TASK, { a: 1, b: 2 });
    const blocking = createRedis('blocking');
    const w = new Worker(QUEUE, null, { connection: blocking, prefix, autorun: false });
    const taken = await w.getNextJob('tok');
    expect(taken?.id).toBe(done.id);
    await taken!.moveToCompleted(3, 'tok', false);
    await w.close();
    blocking.disconnect();
    const waiting = await q.add(TASK, { a: 2, b: 3 });
    await q.close();
    const revoke = await createToken(redis, { name: 'audit-revoke', scope: 'read' }, 'alice');
    fixture = { waitingId: waiting.id!, doneId: done.id!, revokeId: revoke.record.id };
  });

  it('each write route appends one entry with a named action, its target, the actor, the time and the address', async () => {
    const calls = await writeCalls();
    expect(calls.length).toBeGreaterThanOrEqual(28);
    // Every case above still names a real call (a renamed route must not leave its case behind unnoticed).
    expect(Object.keys(CASES).filter((k) => !calls.some((c) => c.key === k))).toEqual([]);
    const admin = await signedIn();
    const failures: Record<string, string[]> = {};
    for (const call of calls) {
      const { problems } = await auditProblems(call, fixture, CASES[call.key]?.fresh ? await signedIn() : admin);
      if (problems.length) failures[call.key] = problems;
    }
    expect(failures).toEqual({});
  });

  it('a token is named as the actor; a created token is named by id and name, never by its secret', async () => {
    const { token } = await createToken(redis, { name: 'audit-writer', scope: 'write' }, 'alice');
    const calls = await writeCalls();
    const run = calls.find((c) => c.key === 'POST /api/v1/tasks/[name]/runs')!;
    const res = await run.handler(
      new Request(`${ORIGIN}/api/v1/tasks/${TASK}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', [CLIENT_IP_HEADER]: IP },
        body: '{"args":{"a":1,"b":1}}',
      }),
      { params: Promise.resolve({ name: TASK }) },
    );
    expect(res.status).toBe(201);
    const [entry] = (await readAudit(redis, { limit: 1 })).entries;
    expect(entry).toMatchObject({ action: 'task.run', actor: 'token:audit-writer', ip: IP, target: jobOf((await res.json()) as Record<string, unknown>) });

    const create = calls.find((c) => c.key === 'POST /api/v1/tokens')!;
    const { answer, entry: created } = await auditProblems(create, fixture, await signedIn());
    const secret = String(answer.token);
    expect(secret).toMatch(/^cel_/);
    expect(JSON.stringify(created)).not.toContain(secret.slice(-20));
  });

  it('the check fails for a write route that forgets the audit (so the test above can fail)', async () => {
    const forgetful = apiRoute(async () => ({ ok: true }), { audit: false });
    const { problems } = await auditProblems(
      { key: 'POST /api/v1/queues/[queue]/forgotten', pattern: '/api/v1/queues/[queue]/forgotten', method: 'POST', handler: forgetful },
      fixture,
      await signedIn(),
    );
    expect(problems).toEqual(['0 audit entries, expected 1']);
    // A route the audit table does not know gets a generic action, which the check refuses too.
    const unnamed = apiRoute(async () => ({ ok: true }));
    const r = await auditProblems(
      { key: 'POST /api/v1/elsewhere/[id]', pattern: '/api/v1/elsewhere/[id]', method: 'POST', handler: unnamed },
      fixture,
      await signedIn(),
    );
    expect(r.problems.join('\n')).toMatch(/not a named action/);
  });

  it('a write refused before anyone is identified (401) is not audited; a refused known caller (403) is, in the refused attempts', async () => {
    const calls = await writeCalls();
    const pause = calls.find((c) => c.key === 'POST /api/v1/queues/[queue]/pause')!;
    const before = await newestId();
    const anonymous = await pause.handler(
      new Request(`${ORIGIN}/api/v1/queues/${QUEUE}/pause`, { method: 'POST', headers: { origin: ORIGIN, host: '127.0.0.1:5555' } }),
      {
        params: Promise.resolve({ queue: QUEUE, action: 'pause' }),
      },
    );
    expect(anonymous.status).toBe(401);
    const badToken = await pause.handler(
      new Request(`${ORIGIN}/api/v1/queues/${QUEUE}/pause`, { method: 'POST', headers: { authorization: 'Bearer cel_nope' } }),
      {
        params: Promise.resolve({ queue: QUEUE, action: 'pause' }),
      },
    );
    expect(badToken.status).toBe(401);
    expect(await newestId()).toBe(before);

    const v = await login(redis, { username: VIEWER.name, password: VIEWER.password }, { ip: 'setup', path: '/' });
    const after = await newestId();
    const refused = await pause.handler(
      new Request(`${ORIGIN}/api/v1/queues/${QUEUE}/pause`, {
        method: 'POST',
        headers: { origin: ORIGIN, host: '127.0.0.1:5555', [CLIENT_IP_HEADER]: IP, cookie: `${SESSION_COOKIE}=${v.sessionId}`, 'x-csrf-token': v.session.csrf },
      }),
      { params: Promise.resolve({ queue: QUEUE, action: 'pause' }) },
    );
    expect(refused.status).toBe(403);
    // Not among the actions (only the viewer's sign-in is)…
    const added = (await redis.xrange(keys.audit, `(${after}`, '+')) as [string, string[]][];
    expect(added).toHaveLength(0);
    // …but in the refused attempts, named like any entry.
    expect((await readAudit(redis, { limit: 1, log: 'refused' })).entries[0]).toMatchObject({
      action: 'queue.pause',
      target: QUEUE,
      actor: 'bob',
      status: 403,
      ip: IP,
    });
  });

  it('20,000 refused writes by a viewer leave every earlier admin entry in place', async () => {
    const cap = env().CELERITY_AUDIT_MAXLEN;
    const refusedKey = `${keys.audit}-refused`;
    await redis.del(keys.audit, refusedKey);
    const pause = (await writeCalls()).find((c) => c.key === 'POST /api/v1/queues/[queue]/pause')!;
    const call = (h: Record<string, string>) =>
      pause.handler(
        new Request(`${ORIGIN}/api/v1/queues/${QUEUE}/pause`, {
          method: 'POST',
          headers: { origin: ORIGIN, host: '127.0.0.1:5555', [CLIENT_IP_HEADER]: IP, ...h },
        }),
        {
          params: Promise.resolve({ queue: QUEUE, action: 'pause' }),
        },
      );
    const admin = await signedIn();
    const v = await login(redis, { username: VIEWER.name, password: VIEWER.password }, { ip: 'setup', path: '/' });
    const viewer = { cookie: `${SESSION_COOKIE}=${v.sessionId}`, 'x-csrf-token': v.session.csrf };
    // The admin's real actions (pause and resume, a few times over).
    const resume = (await writeCalls()).find((c) => c.key === 'POST /api/v1/queues/[queue]/resume')!;
    for (let i = 0; i < 3; i++) {
      expect((await call(admin)).status).toBe(200);
      const r = await resume.handler(
        new Request(`${ORIGIN}/api/v1/queues/${QUEUE}/resume`, { method: 'POST', headers: { origin: ORIGIN, host: '127.0.0.1:5555', ...admin } }),
        {
          params: Promise.resolve({ queue: QUEUE, action: 'resume' }),
        },
      );
      expect(r.status).toBe(200);
    }
    const before = (await readAudit(redis, { limit: 500 })).entries;
    expect(before.filter((e) => e.actor === ADMIN.name && /^queue\.(pause|resume)$/.test(e.action))).toHaveLength(6);

    // Twice the default cap (10,000), two hundred times this file's, in parallel batches.
    const total = 20_000;
    const batch = 250;
    for (let i = 0; i < total; i += batch) {
      const statuses = await Promise.all(Array.from({ length: batch }, () => call(viewer).then((r) => r.status)));
      expect(statuses.every((st) => st === 403)).toBe(true);
    }

    // Every entry made before is still there, unchanged, and nothing was added.
    expect((await readAudit(redis, { limit: 500 })).entries).toEqual(before);
    // The attempts were logged, newest first, in their own log, capped like the other.
    const refused = await readAudit(redis, { limit: 1, log: 'refused' });
    expect(refused.entries[0]).toMatchObject({ action: 'queue.pause', target: QUEUE, actor: VIEWER.name, status: 403, ip: IP });
    const [, nodeEntries] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
    const len = await redis.xlen(refusedKey);
    expect(len).toBeGreaterThanOrEqual(cap);
    expect(len).toBeLessThanOrEqual(cap + Number(nodeEntries));
  }, 180_000);
});

describe('session view (what pages know about the caller)', () => {
  it('labels each kind of caller accurately: a write token is no admin', () => {
    const user = (role: 'admin' | 'viewer'): Principal => ({ kind: 'user', name: 'x', role, sessionHash: 'h', csrf: 'c' });
    const token = (scope: 'read' | 'write'): Principal => ({ kind: 'token', id: '0123456789ab', name: 'deploy', scope });
    const view = (p: Principal | null) => {
      const v = sessionView(p);
      return [v.user, v.role, v.canWrite, v.isAdmin];
    };
    expect(view(user('admin'))).toEqual(['x', 'admin', true, true]);
    expect(view(user('viewer'))).toEqual(['x', 'viewer', false, false]);
    expect(view(token('write'))).toEqual(['deploy', 'write token', true, false]);
    expect(view(token('read'))).toEqual(['deploy', 'read token', false, false]);
    // The open console lets everyone do everything; nobody known may do nothing.
    expect(view({ kind: 'open' })).toEqual([null, 'admin', true, true]);
    expect(view(null)).toEqual([null, 'viewer', false, false]);
    // Each label agrees with the permissions the server checks.
    for (const p of [user('admin'), user('viewer'), token('write'), token('read')]) {
      expect([sessionView(p).canWrite, sessionView(p).isAdmin]).toEqual([allows(p, 'write'), allows(p, 'admin')]);
    }
    expect(sessionView(null).authEnabled).toBe(true);
  });
});
