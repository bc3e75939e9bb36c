import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// An account, before anything reads the environment: the gate redirects only when accounts are on.
vi.hoisted(() => {
  process.env.CELERITY_USERS = 'alice:admin:scrypt$16384$8$1$SX_In1gbmApBI9pOp0YSkw$xjRkETFFPVOv6qNlRSttm_hYMpQ5i4pwZseJEfdeWeM';
});
import { gate } from '@/lib/auth/gate';
import { clearSessionCookie, sessionCookie } from '@/lib/auth/request-auth';
import { csrfCookie } from '@/lib/http/csrf';
import { buildBasePathMismatch, readBuildBasePath } from '@/lib/next-build-base-path';

/** The server side of CELERITY_BASE_PATH that needs no running console (e2e/basepath/ covers the rest). */
afterEach(() => {
  vi.unstubAllEnvs();
});

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

describe('under a base path', () => {
  it('sends a page without a session to the login under the base path, remembering the console path', async () => {
    const d = await gate(
      { method: 'GET', url: '/queues/x', headers: headers({ host: '127.0.0.1:5555' }) },
      { authEnabled: true, insecure: false, basePath: '/admin/jobs' },
    );
    expect(d).toEqual({ kind: 'redirect', location: '/admin/jobs/login?next=%2Fqueues%2Fx' });
  });

  it('scopes the CSRF cookie, and the plain-HTTP session cookie, to the base path', () => {
    vi.stubEnv('CELERITY_BASE_PATH', '/admin/jobs');
    expect(csrfCookie('t', false)).toBe('celerity_csrf=t; Path=/admin/jobs; SameSite=Lax');
    expect(csrfCookie('t', true)).toBe('celerity_csrf=t; Path=/admin/jobs; SameSite=Lax; Secure');
    expect(sessionCookie('s', false)).toBe('celerity_session=s; Path=/admin/jobs; HttpOnly; SameSite=Lax');
    expect(clearSessionCookie(false)).toBe('celerity_session=; Path=/admin/jobs; HttpOnly; SameSite=Lax; Max-Age=0');
  });

  it('keeps the HTTPS session cookie a __Host- cookie, which browsers accept only with Path=/', () => {
    vi.stubEnv('CELERITY_BASE_PATH', '/admin/jobs');
    expect(sessionCookie('s', true)).toBe('__Host-celerity_session=s; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(clearSessionCookie(true)).toBe('__Host-celerity_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });

  it('keeps Path=/ without a base path', () => {
    vi.stubEnv('CELERITY_BASE_PATH', '');
    expect(csrfCookie('t', false)).toBe('celerity_csrf=t; Path=/; SameSite=Lax');
    expect(sessionCookie('s', false)).toBe('celerity_session=s; Path=/; HttpOnly; SameSite=Lax');
  });
});

describe('the base path a build was made for', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-build-base-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const build = (name: string, basePath: string) => {
    rmSync(path.join(dir, name), { recursive: true, force: true });
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'routes-manifest.json'), JSON.stringify({ version: 3, basePath }));
  };

  it('is read from the routes manifest', () => {
    build('root', '');
    build('under', '/admin/jobs');
    expect(readBuildBasePath(dir, 'root')).toBe('');
    expect(readBuildBasePath(dir, 'under')).toBe('/admin/jobs');
    expect(readBuildBasePath(dir, 'missing')).toBeUndefined();
  });

  it('must be the console’s: a mismatch is explained, naming both paths and the variable', () => {
    build('root', '');
    build('under', '/admin/jobs');
    expect(buildBasePathMismatch(dir, 'root', '')).toBeUndefined();
    expect(buildBasePathMismatch(dir, 'under', '/admin/jobs')).toBeUndefined();
    expect(buildBasePathMismatch(dir, 'missing', '/admin/jobs')).toBeUndefined();
    expect(buildBasePathMismatch(dir, 'under', '')).toMatch(/made for base path \/admin\/jobs, but CELERITY_BASE_PATH is \(none\)/);
    expect(buildBasePathMismatch(dir, 'root', '/x')).toMatch(/made for base path \(none\), but CELERITY_BASE_PATH is \/x/);
  });
});
