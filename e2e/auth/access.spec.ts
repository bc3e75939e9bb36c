import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, type APIRequestContext } from '@playwright/test';
import { io as connectSocket } from 'socket.io-client';
import { authEnv } from './auth-env';
import { anonymous, apiAs, createToken, csrf, redisClient, sessionKeyOf, signIn, snapshot, withToken } from './support';

/**
 * Access control over real HTTP (the gate in server.ts, then apiRoute), with
 * accounts configured. Every refused case leaves Redis as it was: a snapshot
 * of every key (value hashes) is compared before and after, except the keys
 * that change on purpose or on their own (support.ts VOLATILE_KEY: sessions,
 * audit, failed-login counters, token "last used", heartbeats, locks).
 */

interface Operation {
  method: string;
  path: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

interface OpenApiDoc {
  servers: { url: string }[];
  paths: Record<string, Record<string, unknown> & { servers?: { url: string }[] }>;
}

/**
 * Every operation of the OpenAPI document behind the access check, with its path parameters
 * filled in. A path item may name its own server (routes outside /api/v1); operations marked
 * public (`security: []`, e.g. health) answer anyone and are not access-checked here.
 */
async function operations(): Promise<Operation[]> {
  const admin = await apiAs('admin');
  const doc = (await (await admin.get('/api/v1/openapi.json')).json()) as OpenApiDoc;
  await admin.dispose();
  const out: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    const base = item.servers?.[0]?.url ?? doc.servers[0]!.url;
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const security = (op as { security?: unknown[] }).security;
      if (Array.isArray(security) && security.length === 0) continue;
      out.push({ method: method.toUpperCase(), path: base + p.replace(/\{(\w+)\}/g, (_, n: string) => (n === 'queue' ? 'default' : n === 'id' ? '1' : 'x')) });
    }
  }
  expect(out.length).toBeGreaterThan(30);
  return out;
}

async function send(ctx: APIRequestContext, op: Operation, headers: Record<string, string> = {}) {
  return ctx.fetch(op.path, { method: op.method, headers, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { data: {} }) });
}

test('every /api/v1 route, /metrics and the Socket.IO endpoint without a session or token → 401; Redis unchanged', async () => {
  const redis = redisClient();
  const before = await snapshot(redis);
  const nobody = await anonymous();
  for (const op of await operations()) {
    const res = await send(nobody, op);
    expect(res.status(), `${op.method} ${op.path}`).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  }
  for (const p of ['/metrics', '/api/auth/session']) expect((await nobody.get(p)).status(), p).toBe(401);

  // Socket.IO: the long-polling handshake…
  const polling = await nobody.get('/socket.io/?EIO=4&transport=polling');
  expect(polling.status()).toBe(401);
  // …and a WebSocket upgrade are refused before Socket.IO sees them.
  const base = new URL(authEnv().baseURL);
  const upgradeStatus = await new Promise<number>((resolve, reject) => {
    const req = http.request({
      host: base.hostname,
      port: base.port,
      path: '/socket.io/?EIO=4&transport=websocket',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', () => resolve(101));
    req.on('response', (res) => resolve(res.statusCode ?? 0));
    req.on('error', reject);
    req.end();
  });
  expect(upgradeStatus).toBe(401);

  // Pages send to the login instead, remembering where they were.
  const page = await nobody.get('/queues/default?state=failed', { maxRedirects: 0 });
  expect(page.status()).toBe(303);
  expect(page.headers().location).toBe('/login?next=%2Fqueues%2Fdefault%3Fstate%3Dfailed');
  await nobody.dispose();
  expect(await snapshot(redis)).toEqual(before);
  await redis.quit();
});

test('a viewer session or a read token doing any write → 403; Redis unchanged', async () => {
  const redis = redisClient();
  const admin = await apiAs('admin');
  const reader = await withToken(await createToken(admin, `read-${Date.now()}`, 'read'));
  const viewer = await apiAs('viewer');
  const writes = (await operations()).filter((o) => o.method !== 'GET');
  const before = await snapshot(redis);
  for (const op of writes) {
    expect((await send(viewer, op, await csrf(viewer))).status(), `viewer ${op.method} ${op.path}`).toBe(403);
    expect((await send(reader, op)).status(), `read token ${op.method} ${op.path}`).toBe(403);
  }
  expect(await snapshot(redis)).toEqual(before);
  for (const c of [admin, reader, viewer]) await c.dispose();
  await redis.quit();
});

test('cross-origin POSTs are refused: crafted, and a real form on another site; Redis unchanged', async ({ page, browser }) => {
  const redis = redisClient();
  const admin = await apiAs('admin');
  // A crafted request with the admin's cookies and the right token, from another origin.
  const crafted = await admin.post('/api/v1/queues/default/pause', { headers: { ...(await csrf(admin)), origin: 'https://evil.example' }, data: {} });
  expect(crafted.status()).toBe(403);

  // Real pages: the same host on another port (same-site: the browser sends the Lax cookies,
  // the Origin check refuses) and `localhost` (cross-site: the session cookie is not even sent).
  const console_ = new URL(authEnv().baseURL);
  const evil = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${console_.origin}/api/v1/queues/default/pause"><input name='{"a":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
    );
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  const port = (evil.address() as AddressInfo).port;
  try {
    await signIn(page, 'admin');
    const before = await snapshot(redis);
    for (const [origin, expected] of [
      [`http://127.0.0.1:${port}`, 403],
      [`http://localhost:${port}`, 401],
    ] as const) {
      const response = page.waitForResponse((r) => r.url().endsWith('/api/v1/queues/default/pause'));
      await page.goto(`${origin}/attack`);
      expect((await response).status(), origin).toBe(expected);
    }
    expect(await snapshot(redis)).toEqual(before);
    expect(((await (await admin.get('/api/v1/queues/default')).json()) as { paused: boolean }).paused).toBe(false);
  } finally {
    evil.close();
    await admin.dispose();
    await redis.quit();
    void browser;
  }
});

test('Socket.IO refuses a handshake from another origin even with a session; the same origin with a session connects', async () => {
  const base = new URL(authEnv().baseURL);
  const viewer = await apiAs('viewer');
  const cookie = (await viewer.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const FOREIGN = ['https://evil.example', `http://localhost:${base.port}`, `http://${base.hostname}:1`, 'null'];

  // The long-polling handshake: the session passes the gate, the Origin check (allowRequest) refuses.
  for (const origin of FOREIGN) {
    const res = await viewer.get('/socket.io/?EIO=4&transport=polling', { headers: { origin } });
    expect(res.status(), origin).toBe(403);
    expect(await res.json(), origin).toEqual({ code: 4, message: 'Forbidden' });
  }
  const same = await viewer.get('/socket.io/?EIO=4&transport=polling', { headers: { origin: base.origin } });
  expect(same.status()).toBe(200);
  expect(await same.text()).toMatch(/^0\{"sid":"[^"]+"/);
  await viewer.dispose();

  // The WebSocket upgrade (what the page uses): the same rule (Engine.IO answers a refused upgrade "400 Forbidden").
  const upgrade = (origin: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: base.hostname,
        port: base.port,
        path: '/socket.io/?EIO=4&transport=websocket',
        headers: {
          cookie,
          origin,
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(String(res.statusCode));
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      req.end();
    });
  for (const origin of FOREIGN) expect(await upgrade(origin), origin).toBe('400 Forbidden');
  expect(await upgrade(base.origin)).toBe('101');

  // A real client: refused from another origin; from the console's own origin it connects and joins a room.
  const client = (origin: string) =>
    connectSocket(base.origin, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie, origin } });
  const refused = client('https://evil.example');
  const outcome = await new Promise<string>((resolve) => {
    refused.once('connect', () => resolve('connected'));
    refused.once('connect_error', (err) => resolve(`refused: ${err.message}`));
  });
  refused.close();
  expect(outcome).toMatch(/^refused/);
  const accepted = client(base.origin);
  try {
    await new Promise<void>((resolve, reject) => {
      accepted.once('connect', () => resolve());
      accepted.once('connect_error', reject);
    });
    const joined = await new Promise<{ ok: boolean }>((resolve) => accepted.emit('subscribe', 'dashboard', resolve));
    expect(joined.ok).toBe(true);
  } finally {
    accepted.close();
  }
});

test('an expired session goes back to the login with the page remembered, and returns there', async ({ page }) => {
  const redis = redisClient();
  await signIn(page, 'admin');

  // An open page that asks the server nothing: its live connection is dropped when the
  // session ends, and the page goes to the login on its own.
  await page.goto('/tasks');
  await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
  // End the session in Redis: what the sliding TTL does after CELERITY_SESSION_TTL idle seconds.
  // (Deleted, not given a 1 ms TTL: a request of the page's own landing in that millisecond would renew it.)
  expect(await redis.del(await sessionKeyOf(page))).toBe(1);
  await expect(page).toHaveURL(/\/login\?next=%2Ftasks&reason=expired$/, { timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Your session ended' })).toBeVisible();
  await signIn(page, 'admin');
  await expect(page).toHaveURL(/\/tasks$/);

  // The two request paths, each on its own: the page's session probe is held back so
  // the dropped live connection cannot get there first.
  await page.route('**/api/auth/session', (route) => route.abort());

  // A client-side navigation: the page data request gets 401, the browser loads the page, the gate redirects.
  expect(await redis.del(await sessionKeyOf(page))).toBe(1);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fworkers&reason=expired$/);
  await expect(page.getByRole('status').filter({ hasText: 'Your session ended' })).toBeVisible();

  // An action on an open page after the session ended: 401 → the login, remembering the page.
  await signIn(page, 'admin');
  await page.goto('/tasks/hello');
  await expect(page.getByRole('button', { name: 'Run hello' })).toBeVisible();
  expect(await redis.del(await sessionKeyOf(page))).toBe(1);
  await page.getByRole('button', { name: 'Run hello' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Ftasks%2Fhello&reason=expired$/);

  // A full page load of a deep link with a query.
  await page.goto('/queues/default?state=failed');
  await expect(page).toHaveURL(/\/login\?next=%2Fqueues%2Fdefault%3Fstate%3Dfailed&reason=expired$/);
  await signIn(page, 'admin');
  await expect(page).toHaveURL(/\/queues\/default\?state=failed$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Queue default' })).toBeVisible();

  // A first visit (no session ever) remembers the page too, but says nothing about a session ending.
  // Leave the console first: an open page whose cookies vanish would itself (rightly) go to the
  // login saying the session ended, racing the visit below.
  await page.goto('about:blank');
  await page.context().clearCookies();
  await page.goto('/tasks');
  await expect(page).toHaveURL(/\/login\?next=%2Ftasks$/);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Your session ended')).toHaveCount(0);
  await redis.quit();
});

test('the login page never redirects off-site', async ({ page }) => {
  for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:window.__xss=1']) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${encodeURIComponent(next)}`);
    await signIn(page, 'viewer');
    const url = new URL(page.url());
    expect(url.origin, next).toBe(authEnv().baseURL);
    expect(url.pathname, next).toBe('/');
  }
});

test('failed sign-ins are throttled per user and address (429 with Retry-After), and announced', async ({ page }) => {
  const client = await anonymous();
  const name = `mallory${Date.now()}`;
  for (let i = 0; i < 5; i++) {
    const res = await client.post('/api/auth/login', { data: { username: name, password: 'guess' + i } });
    expect(res.status()).toBe(401);
  }
  const locked = await client.post('/api/auth/login', { data: { username: name, password: 'guess' } });
  expect(locked.status()).toBe(429);
  expect(Number(locked.headers()['retry-after'])).toBeGreaterThan(0);
  await client.dispose();

  // The form announces it.
  await page.goto('/login');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill('again');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await expect(form.getByRole('alert')).toHaveText(/Too many failed sign-in attempts; try again later\. Wait \d+ s\./);
  // A wrong password for a real user is announced too, and says nothing about which part was wrong.
  await page.getByLabel('User name').fill('bob');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByRole('alert')).toHaveText('Wrong user name or password');
});

test('the session cookie is HttpOnly and SameSite=Lax; signing out ends the session on the server', async ({ page }) => {
  await signIn(page, 'viewer');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'celerity_session')!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe('Lax');
  expect(cookie.secure).toBe(false); // plain HTTP here; Secure behind HTTPS (x-forwarded-proto)
  expect(await page.evaluate(() => document.cookie)).not.toContain('celerity_session');

  // Hold the sign-out's answer (the session is already gone on the server) until the page's live
  // connection has found out and its session check got 401: that check must not send the page to a
  // login saying the session ended, racing the sign-out's own navigation.
  await page.route('**/api/auth/logout', async (route) => {
    const response = await route.fetch();
    await page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/session' && r.status() === 401);
    await route.fulfill({ response });
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: /Sign in to Celerity/ })).toBeVisible();
  await expect(page.getByText('Your session ended')).toHaveCount(0);
  // The old cookie, replayed, is worthless.
  const replay = await anonymous();
  const res = await replay.get('/api/v1/queues', { headers: { cookie: `celerity_session=${cookie.value}` } });
  expect(res.status()).toBe(401);
  await replay.dispose();

  // Behind an HTTPS proxy the cookie is Secure.
  const viaProxy = await anonymous();
  const login = await viaProxy.post('/api/auth/login', {
    data: { username: 'bob', password: authEnv().viewerPassword },
    headers: { 'x-forwarded-proto': 'https' },
  });
  expect(login.headers()['set-cookie']).toMatch(/^__Host-celerity_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/m);
  await viaProxy.dispose();
});
