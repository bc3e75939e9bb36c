import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../errors';
import { assertCsrf, CSRF_COOKIE, CSRF_HEADER, csrfCookie, newCsrfToken, readCookie } from './csrf';

const HOST = 'console.test:5555';
const TOKEN = 'tok_abcdefghijklmnopqrstuvwx';

function req(method: string, headers: Record<string, string>): Request {
  return new Request(`http://${HOST}/api/v1/x`, { method, headers: { host: HOST, ...headers } });
}

/** Run assertCsrf and return what it threw (undefined when it passed). Without a trusted proxy unless `trustProxy`. */
function check(r: Pick<Request, 'method' | 'headers'>, trustProxy = false): unknown {
  try {
    assertCsrf(r, undefined, trustProxy);
    return undefined;
  } catch (err) {
    return err;
  }
}

const withToken = { cookie: `other=1; ${CSRF_COOKIE}=${TOKEN}`, [CSRF_HEADER]: TOKEN };

describe('assertCsrf', () => {
  it('lets safe methods through even from another site', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS']) {
      expect(check(req(m, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }))).toBeUndefined();
    }
  });

  it('accepts a same-origin POST whose header matches the cookie', () => {
    expect(check(req('POST', { origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin', ...withToken }))).toBeUndefined();
    // Referer instead of Origin (older browsers, some same-origin navigations).
    expect(check(req('DELETE', { referer: `http://${HOST}/queues/default`, ...withToken }))).toBeUndefined();
  });

  it('refuses a cross-origin Origin even with a valid token', () => {
    const err = check(req('POST', { origin: 'https://evil.example', ...withToken }));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).status).toBe(403);
  });

  it('refuses a cross-origin Referer when there is no Origin', () => {
    expect(check(req('POST', { referer: 'https://evil.example/page', ...withToken }))).toBeInstanceOf(ForbiddenError);
  });

  it('refuses an opaque Origin ("null", e.g. a sandboxed iframe)', () => {
    expect(check(req('POST', { origin: 'null', ...withToken }))).toBeInstanceOf(ForbiddenError);
  });

  it.each(['cross-site', 'same-site'])('refuses sec-fetch-site: %s', (site) => {
    expect(check(req('POST', { 'sec-fetch-site': site, ...withToken }))).toBeInstanceOf(ForbiddenError);
  });

  it('refuses a same-origin browser POST without the token', () => {
    expect(check(req('POST', { origin: `http://${HOST}` }))).toBeInstanceOf(ForbiddenError);
    // Cookie present but no header: the page's script did not echo it.
    expect(check(req('POST', { origin: `http://${HOST}`, cookie: `${CSRF_COOKIE}=${TOKEN}` }))).toBeInstanceOf(ForbiddenError);
  });

  it('refuses a header that does not match the cookie (including a different length)', () => {
    const origin = `http://${HOST}`;
    expect(check(req('POST', { origin, cookie: `${CSRF_COOKIE}=${TOKEN}`, [CSRF_HEADER]: TOKEN.slice(0, -1) + 'X' }))).toBeInstanceOf(ForbiddenError);
    expect(check(req('POST', { origin, cookie: `${CSRF_COOKIE}=${TOKEN}`, [CSRF_HEADER]: 'short' }))).toBeInstanceOf(ForbiddenError);
  });

  it('lets a non-browser POST (no Origin, Referer or Sec-Fetch-*) without a cookie through', () => {
    expect(check(req('POST', {}))).toBeUndefined();
    expect(check(req('PUT', { 'content-type': 'application/json' }))).toBeUndefined();
  });

  it('still checks the token when a non-browser client sends the cookie', () => {
    expect(check(req('POST', { cookie: `${CSRF_COOKIE}=${TOKEN}` }))).toBeInstanceOf(ForbiddenError);
    expect(check(req('POST', withToken))).toBeUndefined();
  });

  it('compares against X-Forwarded-Host when a trusted proxy (CELERITY_TRUST_PROXY) sets it', () => {
    const proxied = { host: '127.0.0.1:5555', 'x-forwarded-host': 'tasks.example.com', ...withToken };
    expect(check(req('POST', { ...proxied, origin: 'https://tasks.example.com' }), true)).toBeUndefined();
    expect(check(req('POST', { ...proxied, origin: 'http://127.0.0.1:5555' }), true)).toBeInstanceOf(ForbiddenError);
  });

  it('ignores X-Forwarded-Host without a trusted proxy: any client could send one', () => {
    // A script on evil.example cannot add the header to a form post, but another client
    // could; without a proxy, only Host says which site the request was for.
    const forged = { 'x-forwarded-host': 'evil.example', ...withToken };
    expect(check(req('POST', { ...forged, origin: 'https://evil.example' }))).toBeInstanceOf(ForbiddenError);
    expect(check(req('POST', { ...forged, origin: `http://${HOST}` }))).toBeUndefined();
  });

  it('reads CELERITY_TRUST_PROXY when not told (off by default)', () => {
    const proxied = { host: '127.0.0.1:5555', 'x-forwarded-host': 'tasks.example.com', ...withToken };
    const r = req('POST', { ...proxied, origin: 'https://tasks.example.com' });
    expect(() => assertCsrf(r)).toThrow(ForbiddenError);
  });
});

describe('csrf helpers', () => {
  it('newCsrfToken is random and URL-safe', () => {
    const a = newCsrfToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newCsrfToken()).not.toBe(a);
  });

  it('csrfCookie round-trips through readCookie', () => {
    const set = csrfCookie(TOKEN, true);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/; Secure$/);
    expect(csrfCookie(TOKEN, false)).not.toMatch(/Secure/);
    const pair = set.split(';')[0]!;
    expect(readCookie(`a=b; ${pair}; c=d`, CSRF_COOKIE)).toBe(TOKEN);
    expect(readCookie('a=b', CSRF_COOKIE)).toBeUndefined();
    expect(readCookie(null, CSRF_COOKIE)).toBeUndefined();
  });
});

describe('assertCsrf with a session-bound token', () => {
  const origin = `http://${HOST}`;
  const SESSION = 'session_bound_token_abcdefghijkl';

  it('accepts the header equal to the session token', () => {
    expect(check2(req('POST', { origin, [CSRF_HEADER]: SESSION }), SESSION)).toBeUndefined();
  });

  it('refuses a double-submit pair that is not the session token (a tossed cookie)', () => {
    expect(check2(req('POST', { origin, cookie: `${CSRF_COOKIE}=planted`, [CSRF_HEADER]: 'planted' }), SESSION)).toBeInstanceOf(ForbiddenError);
  });

  it('requires the token even from a non-browser client: a session cookie is ambient', () => {
    expect(check2(req('POST', {}), SESSION)).toBeInstanceOf(ForbiddenError);
  });

  it('still refuses another origin with the right token', () => {
    expect(check2(req('POST', { origin: 'https://evil.example', [CSRF_HEADER]: SESSION }), SESSION)).toBeInstanceOf(ForbiddenError);
  });
});

function check2(r: Pick<Request, 'method' | 'headers'>, token: string): unknown {
  try {
    assertCsrf(r, token);
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('readCookie', () => {
  it('treats a malformed escape as no cookie instead of throwing', () => {
    expect(readCookie(`${CSRF_COOKIE}=%E0%A4%A`, CSRF_COOKIE)).toBeUndefined();
  });
});
