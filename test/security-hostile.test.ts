import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Accounts for this file (alice admin, bob viewer), before anything reads the environment.
vi.hoisted(() => {
  process.env.CELERITY_USERS =
    'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM,bob:viewer:scrypt$16384$8$1$MhrpH90QXQhUWgdUuOiu4A$mHu74p1jv61uZQvFSLcZB245vJcc9hXJ0Sp2WXEcQQY';
});

import { Queue } from 'bullmq';
import { z } from 'zod';
import { env } from '@/lib/env';
import { closeRedis, getRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { closeQueues } from '@/lib/queue/queue-registry';
import { publishCatalogue } from '@/lib/registry/catalogue';
import { defineTask } from '@/lib/registry/define-task';
import { login } from '@/lib/auth/login';
import { createToken } from '@/lib/auth/api-tokens';
import { SESSION_COOKIE } from '@/lib/auth/request-auth';
import { API_OPERATIONS } from '@/lib/api/operations';
import { createApiApp } from '@/lib/api/api-app';
import { CSRF_COOKIE } from '@/lib/http/csrf';
import { ADMIN, VIEWER, redisSnapshot } from './security-support';

/**
 * Hostile input against every API route, in-process: every path of the
 * operation definitions (lib/api/operations.ts, so a new operation is covered
 * without editing this file) called through the API app with crafted
 * Requests, accounts configured.
 * The access cases leave out the public routes (sign-in, sign-out, health);
 * the body cases include sign-in, the one write anyone can reach without
 * credentials, and sign-out, which reads no body. Every refused case must leave
 * Redis as it was: the test compares a fingerprint of every key before and
 * after, except sessions, the audit log, failed-login counters and token "last
 * used" times, which change on purpose (security-support.ts AUTH_KEY) — and
 * around each call to sign-in and sign-out, every key without exception: a
 * refused body never reaches the password check, so not even a failed-login
 * counter or an audit entry may appear.
 */

const ORIGIN = 'http://127.0.0.1:5555';
const QUEUE = 'sec-q';
const TASK = 'sec-add';

interface Route {
  /** e.g. /api/v1/queues/[queue]/jobs/[id]/retry */
  pattern: string;
  /** The methods it answers (GET, POST…). */
  methods: Record<string, true>;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOGIN = '/api/auth/login';
const LOGOUT = '/api/auth/logout';
/** Routes anyone may call without credentials. */
const PUBLIC_ROUTES = new Set([LOGIN, LOGOUT, '/api/health']);

/** Every path of the operation definitions, with its methods. */
async function loadRoutes(): Promise<Route[]> {
  const byPath = new Map<string, Route>();
  for (const op of API_OPERATIONS) {
    const pattern = op.path.replace(/\{(\w+)\}/g, '[$1]');
    const r = byPath.get(pattern) ?? { pattern, methods: {} };
    r.methods[op.method.toUpperCase()] = true;
    byPath.set(pattern, r);
  }
  return [...byPath.values()];
}

const api = createApiApp();

/** Concrete parameters for a route pattern: real queue, job and task where they exist. */
function paramsFor(pattern: string, over: Record<string, string> = {}): Record<string, string> {
  const p: Record<string, string> = {};
  for (const [, name] of pattern.matchAll(/\[(\w+)\]/g)) {
    if (name === 'queue') p.queue = QUEUE;
    else if (name === 'id') p.id = '1';
    else if (name === 'name') p.name = pattern.includes('/tasks/') ? TASK : 'no-such-schedule';
    else p[name!] = 'x';
  }
  return { ...p, ...over };
}

function urlFor(pattern: string, params: Record<string, string>): string {
  // A lone surrogate cannot be percent-encoded; the handler gets the parameter itself anyway.
  const enc = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return '%ED%A0%80';
    }
  };
  return ORIGIN + pattern.replace(/\[(\w+)\]/g, (_, n: string) => enc(params[n]!));
}

interface Caller {
  /** Extra headers: cookie + CSRF header for a session, Authorization for a token. */
  headers: Record<string, string>;
}

interface CallOptions {
  params?: Record<string, string>;
  body?: BodyInit | null;
  headers?: Record<string, string>;
}

async function call(route: Route, method: string, who: Caller, o: CallOptions = {}): Promise<Response> {
  const params = paramsFor(route.pattern, o.params);
  const hasBody = o.body !== undefined && o.body !== null;
  const headers: Record<string, string> = {
    host: '127.0.0.1:5555',
    ...(WRITES.has(method) ? { origin: ORIGIN } : {}),
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...(typeof o.body === 'string' ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
    ...who.headers,
    ...o.headers,
  };
  const req = new Request(urlFor(route.pattern, params), { method, headers, body: hasBody ? o.body : undefined, duplex: 'half' } as RequestInit);
  return api.fetch(req);
}

async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
}

const redis = getRedis();
const prefix = env().CELERITY_PREFIX;
let routes: Route[];
/** The routes behind the access check (every route but the public ones). */
let guarded: Route[];
const nobody: Caller = { headers: {} };
/** A browser on the sign-in page: no session, only the pre-session CSRF cookie the page set, echoed in the header. */
const stranger: Caller = { headers: { cookie: `${CSRF_COOKIE}=pre-session-csrf`, 'x-csrf-token': 'pre-session-csrf' } };
let admin: Caller;
let viewer: Caller;
let readToken: Caller;
let writeToken: Caller;
let adminSession: { id: string; csrf: string };
let before: Map<string, string>;
const statuses: { what: string; status: number }[] = [];

/**
 * A fingerprint of every key under the prefix, the ones sign-in may change
 * included (sessions, failed-login counters, the audit log). A session's
 * sliding expiry changes its TTL, which DUMP leaves out.
 */
async function everything(): Promise<Map<string, string>> {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const out = new Map<string, string>();
  for (const k of keys) {
    const dump = await redis.dumpBuffer(k);
    out.set(k, dump ? createHash('sha256').update(dump).digest('hex').slice(0, 16) : 'gone');
  }
  return out;
}

/** A route by pattern (fails loudly if it moved). */
function route(pattern: string): Route {
  const r = routes.find((x) => x.pattern === pattern);
  if (!r) throw new Error(`no route ${pattern}`);
  return r;
}

beforeAll(async () => {
  routes = await loadRoutes();
  guarded = routes.filter((r) => !PUBLIC_ROUTES.has(r.pattern));
  // Something real to refuse to touch: a task in the catalogue, a queue with a failed job.
  const task = defineTask({ name: TASK, description: 'adds', queue: QUEUE, schema: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => a + b });
  await publishCatalogue(redis, [task], 'security-hostile');
  const q = new Queue(QUEUE, { connection: redis, prefix });
  // The queue's first job: id 1.
  expect((await q.add(TASK, { a: 1, b: 2 })).id).toBe('1');
  await q.close();

  const a = await login(redis, { username: ADMIN.name, password: ADMIN.password }, { ip: 't', path: '/' });
  adminSession = { id: a.sessionId, csrf: a.session.csrf };
  admin = { headers: { cookie: `${SESSION_COOKIE}=${a.sessionId}; ${CSRF_COOKIE}=${a.session.csrf}`, 'x-csrf-token': a.session.csrf } };
  const v = await login(redis, { username: VIEWER.name, password: VIEWER.password }, { ip: 't', path: '/' });
  viewer = { headers: { cookie: `${SESSION_COOKIE}=${v.sessionId}; ${CSRF_COOKIE}=${v.session.csrf}`, 'x-csrf-token': v.session.csrf } };
  readToken = { headers: { authorization: `Bearer ${(await createToken(redis, { name: 'r', scope: 'read' }, 'alice')).token}` } };
  writeToken = { headers: { authorization: `Bearer ${(await createToken(redis, { name: 'w', scope: 'write' }, 'alice')).token}` } };

  // Warm-up: every read once (lazy structures, if any, are created now, not inside the measured window).
  for (const r of guarded) if (r.methods.GET) await call(r, 'GET', admin);
  before = await redisSnapshot(redis, prefix);
});

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

async function expectStatus(what: string, res: Promise<Response>, status: number): Promise<Response> {
  const r = await res;
  statuses.push({ what, status: r.status });
  expect(r.status, what).toBe(status);
  return r;
}

describe('access with accounts configured', () => {
  it('finds the routes of every operation (so new ones are covered)', () => {
    expect(guarded.length).toBeGreaterThanOrEqual(30);
    expect(guarded.map((r) => r.pattern)).toContain('/api/v1/queues/[queue]/jobs/[id]/retry');
    expect(routes.map((r) => r.pattern)).toEqual(expect.arrayContaining([...PUBLIC_ROUTES]));
  });

  it('every route and method without a session or token → 401', async () => {
    for (const r of guarded) {
      for (const m of Object.keys(r.methods)) {
        const res = await expectStatus(`${m} ${r.pattern}`, call(r, m, nobody, { body: WRITES.has(m) ? '{}' : undefined }), 401);
        expect((await errorOf(res)).code).toBe('unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
  });

  it('a wrong, malformed or revoked token → 401, even with a valid session cookie next to it', async () => {
    const r = route('/api/v1/queues');
    for (const auth of ['Bearer cel_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Bearer nonsense', 'Basic YWxpY2U6YWRtaW4tc2VjcmV0LTE=']) {
      await expectStatus(auth, call(r, 'GET', { headers: { ...admin.headers, authorization: auth } }), 401);
    }
  });

  it('an expired session → 401 with a message that says so', async () => {
    const r = route('/api/v1/queues');
    const res = await expectStatus('expired', call(r, 'GET', { headers: { cookie: `${SESSION_COOKIE}=${'x'.repeat(43)}` } }), 401);
    expect((await errorOf(res)).message).toMatch(/expired/i);
  });

  it('a viewer or a read token doing any write → 403; reading works', async () => {
    for (const [who, caller] of [
      ['viewer', viewer],
      ['read token', readToken],
    ] as const) {
      for (const r of guarded) {
        for (const m of Object.keys(r.methods)) {
          const res = call(r, m, caller, { body: WRITES.has(m) ? '{}' : undefined });
          if (WRITES.has(m) || r.pattern.includes('/tokens')) {
            const out = await expectStatus(`${who} ${m} ${r.pattern}`, res, 403);
            expect((await errorOf(out)).code).toBe('forbidden');
          } else {
            expect([401, 403], `${who} ${m} ${r.pattern}`).not.toContain((await res).status);
          }
        }
      }
    }
  });

  it('a write token cannot manage tokens (no token minting tokens)', async () => {
    await expectStatus('list', call(route('/api/v1/tokens'), 'GET', writeToken), 403);
    await expectStatus('create', call(route('/api/v1/tokens'), 'POST', writeToken, { body: JSON.stringify({ name: 'more', scope: 'write' }) }), 403);
  });

  it('an admin request from another origin, or without the session-bound CSRF token → 403', async () => {
    const pause = route('/api/v1/queues/[queue]/pause');
    const cases: [string, Record<string, string>][] = [
      ['cross-origin', { origin: 'https://evil.example' }],
      ['cross-site fetch metadata', { 'sec-fetch-site': 'cross-site' }],
      ['opaque origin', { origin: 'null' }],
      ['no CSRF header', { 'x-csrf-token': '' }],
      [
        'double-submit cookie that is not the session token',
        { cookie: `${SESSION_COOKIE}=${adminSession.id}; ${CSRF_COOKIE}=planted`, 'x-csrf-token': 'planted' },
      ],
      // A classic cross-site form post: urlencoded body, the site's cookies, another Origin.
      ['cross-site form post', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': '' }],
    ];
    for (const [what, headers] of cases) {
      const res = await expectStatus(what, call(pause, 'POST', admin, { headers, body: 'confirm=1' }), 403);
      expect((await errorOf(res)).code).toBe('forbidden');
    }
  });
});

describe('hostile bodies (an admin, or for sign-in a stranger; everything else right)', () => {
  const bodyRoutes = () =>
    [
      { r: route(LOGIN), m: 'POST' },
      { r: route('/api/v1/tasks/[name]/runs'), m: 'POST' },
      { r: route('/api/v1/schedules'), m: 'POST' },
      { r: route('/api/v1/schedules/[name]'), m: 'PUT', params: { name: 'no-such-schedule' } },
      { r: route('/api/v1/queues/[queue]/jobs'), m: 'POST' },
      { r: route('/api/v1/queues/[queue]/jobs/[id]/priority'), m: 'POST' },
      { r: route('/api/v1/queues/[queue]/clean'), m: 'POST' },
      { r: route('/api/v1/tokens'), m: 'POST' },
    ] as { r: Route; m: string; params?: Record<string, string> }[];

  /**
   * Sign-in is called as a stranger (no session, no token: how it is reached),
   * every other route as an admin. Around each sign-in call every key is
   * compared, the ones sign-in may change included: a refused body must not
   * even count as a failed attempt.
   */
  async function send(r: Route, m: string, o: CallOptions): Promise<Response> {
    if (r.pattern !== LOGIN) return call(r, m, admin, o);
    const before = await everything();
    const res = await call(r, m, stranger, o);
    expect(Object.fromEntries(await everything()), `${m} ${r.pattern}: Redis changed`).toEqual(Object.fromEntries(before));
    return res;
  }

  it('malformed JSON → 400 naming the body', async () => {
    for (const { r, m, params } of bodyRoutes()) {
      for (const bad of ['{"a":', 'nope', '{"a":1}}', "{'a':1}"]) {
        const res = await expectStatus(`${m} ${r.pattern} ${bad}`, send(r, m, { params, body: bad }), 400);
        expect((await errorOf(res)).field).toBe('body');
      }
    }
  });

  it('a 10 MB body → 413, declared or streamed without a length', async () => {
    const tenMB = 10 * 1024 * 1024;
    for (const { r, m, params } of bodyRoutes()) {
      const declared = await expectStatus(`${m} ${r.pattern} declared`, send(r, m, { params, body: `"${'x'.repeat(tenMB)}"` }), 413);
      expect((await errorOf(declared)).code).toBe('payload_too_large');
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= tenMB) return c.close();
          sent += 65536;
          c.enqueue(new Uint8Array(65536).fill(0x20));
        },
      });
      const streamed = await send(r, m, { params, body: stream });
      statuses.push({ what: `${m} ${r.pattern} streamed`, status: streamed.status });
      // A body is a body however it is framed: the action routes read a chunked one too.
      expect(streamed.status, `${m} ${r.pattern} streamed`).toBe(413);
      // It stopped reading soon after the limit instead of buffering 10 MB.
      expect(sent).toBeLessThan(3 * 1024 * 1024);
    }
  });

  it('invalid UTF-8 → 400', async () => {
    for (const { r, m, params } of bodyRoutes()) {
      const res = await expectStatus(
        `${m} ${r.pattern}`,
        send(r, m, { params, body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-length': '10' } }),
        400,
      );
      expect((await errorOf(res)).message).toMatch(/UTF-8/);
    }
  });

  it('__proto__ keys → 400; constructor / prototype keys are harmless; nothing is polluted', async () => {
    const protoBodies = [
      '{"__proto__":{"polluted":"yes"}}',
      '{"args":{"__proto__":{"polluted":"yes"}},"options":{}}',
      '{"name":"x","data":{"a":{"__proto__":{"polluted":"yes"}}}}',
    ];
    for (const { r, m, params } of bodyRoutes()) {
      for (const b of protoBodies) {
        const res = await expectStatus(`${m} ${r.pattern} ${b}`, send(r, m, { params, body: b }), 400);
        expect((await errorOf(res)).message).toMatch(/__proto__/);
      }
      const harmless = '{"constructor":{"prototype":{"polluted":"yes"}},"args":{"constructor":{"prototype":{"polluted":"yes"}}}}';
      const res = await send(r, m, { params, body: harmless });
      statuses.push({ what: `${m} ${r.pattern} constructor`, status: res.status });
      // Refused by the schema (unknown keys, wrong shape) or before it (no such schedule): never accepted, never a 5xx.
      expect([400, 404], `${m} ${r.pattern} constructor`).toContain(res.status);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('wrong types → 400 naming the field', async () => {
    const cases: [Route, string, string, string, Record<string, string>?][] = [
      [route('/api/v1/tasks/[name]/runs'), 'POST', '{"args":{"a":"one","b":2}}', 'args.a'],
      [route('/api/v1/tasks/[name]/runs'), 'POST', '{"args":{"a":1,"b":2},"options":{"attempts":"many"}}', 'options.attempts'],
      [route('/api/v1/tasks/[name]/runs'), 'POST', '[]', ''],
      [route('/api/v1/schedules'), 'POST', '{"name":5,"task":"t","trigger":{"type":"interval","every":5,"unit":"seconds"}}', 'name'],
      [route('/api/v1/queues/[queue]/jobs'), 'POST', '{"name":["x"]}', 'name'],
      [route('/api/v1/queues/[queue]/jobs/[id]/priority'), 'POST', '{"priority":"high"}', 'priority'],
      [route('/api/v1/queues/[queue]/clean'), 'POST', '{"state":"completed","olderThanMs":"old"}', 'olderThanMs'],
      [route('/api/v1/tokens'), 'POST', '{"name":true,"scope":"read"}', 'name'],
      [route(LOGIN), 'POST', '{"username":5,"password":"x"}', 'username'],
      [route(LOGIN), 'POST', '{"username":"alice","password":["admin-secret-1"]}', 'password'],
      [route(LOGIN), 'POST', '{"username":"alice","password":"admin-secret-1","next":{"path":"/"}}', 'next'],
    ];
    for (const [r, m, body, field, params] of cases) {
      const res = await expectStatus(`${m} ${r.pattern} ${body}`, send(r, m, { params, body }), 400);
      const e = await errorOf(res);
      expect(e.code).toBe('invalid');
      if (field) expect(e.field, body).toBe(field);
    }
  });

  it('10,000-character names → 400, in the path and in bodies', async () => {
    const long = 'n'.repeat(10_000);
    const pathCases: [Route, string, Record<string, string>, string][] = [
      [route('/api/v1/queues/[queue]'), 'GET', { queue: long }, 'queue'],
      [route('/api/v1/queues/[queue]/pause'), 'POST', { queue: long }, 'queue'],
      [route('/api/v1/queues/[queue]/jobs/[id]/retry'), 'POST', { id: long }, 'id'],
      [route('/api/v1/tasks/[name]/runs'), 'POST', { name: long }, 'name'],
      [route('/api/v1/schedules/[name]'), 'DELETE', { name: long }, 'name'],
    ];
    for (const [r, m, params, field] of pathCases) {
      const res = await expectStatus(`${m} ${r.pattern} long ${field}`, send(r, m, { params, body: m === 'GET' ? undefined : '{}' }), 400);
      expect((await errorOf(res)).field).toBe(field);
    }
    const bodyCases: [Route, string, string][] = [
      [route('/api/v1/schedules'), JSON.stringify({ name: long, task: TASK, trigger: { type: 'interval', every: 5, unit: 'seconds' } }), 'name'],
      [route('/api/v1/queues/[queue]/jobs'), JSON.stringify({ name: long }), 'name'],
      [route('/api/v1/tokens'), JSON.stringify({ name: long, scope: 'read' }), 'name'],
      [route(LOGIN), JSON.stringify({ username: long, password: 'x' }), 'username'],
    ];
    for (const [r, body, field] of bodyCases) {
      const res = await expectStatus(`POST ${r.pattern} long ${field}`, send(r, 'POST', { body }), 400);
      expect((await errorOf(res)).field).toBe(field);
    }
  });

  it('names that are not valid UTF-8 in the path → 400', async () => {
    // What a percent-decoder makes of %FF (U+FFFD) and of %ED%A0%80 (a lone surrogate).
    for (const bad of ['q\uFFFD', 'q\uD800']) {
      const res = await expectStatus(`queue ${JSON.stringify(bad)}`, call(route('/api/v1/queues/[queue]'), 'GET', admin, { params: { queue: bad } }), 400);
      expect((await errorOf(res)).message).toMatch(/UTF-8/);
    }
  });

  it('sign-out reads no body: whatever it is sent, it answers 200, never reads it, and changes nothing', async () => {
    const logout = route(LOGOUT);
    const before = await everything();
    const bodies: [string, BodyInit][] = [
      ['malformed JSON', '{"a":'],
      ['__proto__', '{"__proto__":{"polluted":"yes"}}'],
      ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ['a 10,000-character name', JSON.stringify({ username: 'n'.repeat(10_000) })],
    ];
    for (const [what, body] of bodies) await expectStatus(`logout ${what}`, call(logout, 'POST', stranger, { body }), 200);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 10 * 1024 * 1024) return c.close();
        sent += 65536;
        c.enqueue(new Uint8Array(65536).fill(0x20));
      },
    });
    await expectStatus('logout 10 MB streamed', call(logout, 'POST', stranger, { body: stream }), 200);
    expect(sent).toBeLessThan(3 * 1024 * 1024);
    expect(Object.fromEntries(await everything())).toEqual(Object.fromEntries(before));
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('the comparison around sign-in sees what a real failed attempt changes: its three failure counters and one audit entry, nothing else', async () => {
    const before = await everything();
    await expectStatus('wrong password', call(route(LOGIN), 'POST', stranger, { body: JSON.stringify({ username: ADMIN.name, password: 'wrong' }) }), 401);
    const after = await everything();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    const keys = celerityKeys();
    // The user name + address pair, the address alone and the user name alone (lib/auth/login-throttle.ts), and the audit stream.
    expect(changed.filter((k) => k !== keys.audit).map((k) => k.replace(/[0-9a-f]{32}$/, '<hash>'))).toEqual([
      keys.loginThrottle('<hash>'),
      keys.loginThrottle('<hash>'),
      keys.loginThrottle('<hash>'),
    ]);
    expect(changed).toContain(keys.audit);
  });
});

describe('afterwards', () => {
  it('no case answered 5xx', () => {
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
  });

  it('Redis is exactly as before every case (except sessions, audit, throttle and token-usage keys, by design)', async () => {
    const after = await redisSnapshot(redis, prefix);
    expect(before.size).toBeGreaterThan(5);
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
  });
});
