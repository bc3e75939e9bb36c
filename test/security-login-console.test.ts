import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@/scripts/redis-server';
import { closeRedis, getRedis } from '@/lib/redis';
import { celerityKeys } from '@/lib/keys';
import { sessionHash } from '@/lib/auth/session-store';
import { ROOT, runTs, type Proc } from './helpers';
import { ADMIN, ensureConsoleBuild, USERS_ENV } from './security-support';

/**
 * Sign-in through the console as a process (server.ts, production build,
 * behind a "proxy": CELERITY_TRUST_PROXY=1), on this file's Redis prefix — the
 * gate, Next and the route handlers as a browser reaches them:
 *  - login CSRF: another site's form posting the attacker's credentials to the
 *    sign-in API or to the login page signs nobody in;
 *  - sign-out from another origin is refused;
 *  - over HTTPS only the `__Host-` session cookie is a session, and a sign-in
 *    ends the session the browser already had.
 */

const EVIL = 'https://evil.example';
const redis = getRedis();
const keys = celerityKeys();
let consoleProc: Proc;
let base: string;

beforeAll(async () => {
  await ensureConsoleBuild(ROOT);
  consoleProc = runTs('server.ts', [], {
    CELERITY_USERS: USERS_ENV,
    CELERITY_USERS_FILE: '',
    CELERITY_INSECURE: '0',
    CELERITY_TRUST_PROXY: '1',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    CELERITY_LOG_LEVEL: 'warn',
  });
  base = /CELERITY_READY (\S+)/.exec(await consoleProc.waitForOutput(/CELERITY_READY \S+/, 60_000))![1]!;
}, 600_000);

afterAll(async () => {
  if (consoleProc && consoleProc.child.exitCode === null) {
    consoleProc.child.kill('SIGTERM');
    await consoleProc.exited;
  }
  await closeRedis();
});

async function sessionKeys(): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.session('*'), 'COUNT', 1000);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out.sort();
}

/** The `name=value` pairs a response set, by name. */
function cookiesOf(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** A sign-in as a script would make it (no Origin): 200 expected. */
async function signIn(headers: Record<string, string> = {}): Promise<Map<string, string>> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return cookiesOf(res);
}

describe('another site cannot sign a browser in (login CSRF)', () => {
  const form = `username=${ADMIN.name}&password=${encodeURIComponent(ADMIN.password)}`;
  const crossSite = { origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'content-type': 'application/x-www-form-urlencoded' };

  it('its form posting the right credentials to the sign-in API → 403, no session cookie, no session in Redis', async () => {
    const before = await sessionKeys();
    for (const headers of [
      crossSite,
      { ...crossSite, 'content-type': 'text/plain' },
      { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
    ]) {
      const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers, body: form, redirect: 'manual' });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect([...cookiesOf(res).keys()].filter((n) => n.includes('session'))).toEqual([]);
    }
    expect(await sessionKeys()).toEqual(before);
  });

  it('its form posting them to the login page → 405 (pages take GET and HEAD only), no session either', async () => {
    const before = await sessionKeys();
    const res = await fetch(`${base}/login`, { method: 'POST', headers: crossSite, body: form, redirect: 'manual' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.clone().json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    await res.arrayBuffer();
    expect([...cookiesOf(res).keys()].filter((n) => n.includes('session'))).toEqual([]);
    expect(await sessionKeys()).toEqual(before);
  });

  it('its request to sign a browser out → 403, and the session lives on', async () => {
    const jar = await signIn();
    const id = jar.get('celerity_session')!;
    const cookie = `celerity_session=${id}; celerity_csrf=${jar.get('celerity_csrf')}`;
    const res = await fetch(`${base}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: EVIL, 'sec-fetch-site': 'cross-site', 'x-csrf-token': jar.get('celerity_csrf')! },
    });
    expect(res.status).toBe(403);
    expect(await redis.exists(keys.session(sessionHash(id)))).toBe(1);
    // From the console's own page, the same request ends it.
    const own = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: base, 'x-csrf-token': jar.get('celerity_csrf')! } });
    expect(own.status).toBe(200);
    expect(await redis.exists(keys.session(sessionHash(id)))).toBe(0);
  });
});

describe('the session cookie behind an HTTPS proxy', () => {
  const https = { 'x-forwarded-proto': 'https' };

  it('is __Host-celerity_session; a plain celerity_session is no session there, though it is over HTTP', async () => {
    const jar = await signIn(https);
    expect(jar.has('celerity_session')).toBe(false);
    const id = jar.get('__Host-celerity_session')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = (cookie: string, h: Record<string, string> = https) =>
      fetch(`${base}/api/auth/session`, { headers: { ...h, cookie } }).then((r) => r.status);
    expect(await session(`__Host-celerity_session=${id}`)).toBe(200);
    // The same id under the plain name (what a sibling subdomain can plant): refused over HTTPS…
    expect(await session(`celerity_session=${id}`)).toBe(401);
    // …and ignored in front of ours.
    const other = (await signIn()).get('celerity_session')!;
    const who = await fetch(`${base}/api/auth/session`, { headers: { ...https, cookie: `celerity_session=${other}; __Host-celerity_session=${id}` } });
    expect(who.status).toBe(200);
    // Over plain HTTP the plain name is the session.
    expect(await session(`celerity_session=${other}`, {})).toBe(200);
  });

  it('a sign-in ends the session the browser already had', async () => {
    const first = (await signIn(https)).get('__Host-celerity_session')!;
    const again = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { ...https, 'content-type': 'application/json', cookie: `__Host-celerity_session=${first}` },
      body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
    });
    // A script with a session must send the session's CSRF token: without it, refused and nothing changes.
    expect(again.status).toBe(403);
    expect(await redis.exists(keys.session(sessionHash(first)))).toBe(1);
    const csrf = JSON.parse((await redis.get(keys.session(sessionHash(first))))!) as { csrf: string };
    const rotated = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { ...https, 'content-type': 'application/json', cookie: `__Host-celerity_session=${first}`, 'x-csrf-token': csrf.csrf },
      body: JSON.stringify({ username: ADMIN.name, password: ADMIN.password }),
    });
    expect(rotated.status).toBe(200);
    const second = cookiesOf(rotated).get('__Host-celerity_session')!;
    expect(second).not.toBe(first);
    expect(await redis.exists(keys.session(sessionHash(first)))).toBe(0);
    expect(await redis.exists(keys.session(sessionHash(second)))).toBe(1);
  });
});
