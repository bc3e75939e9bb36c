import { createHash } from 'node:crypto';
import { expect, request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { ADMIN_USER, authEnv, VIEWER_USER } from './auth-env';

export type Who = 'admin' | 'viewer';

export function credentials(who: Who): { username: string; password: string } {
  const e = authEnv();
  return who === 'admin' ? { username: ADMIN_USER, password: e.adminPassword } : { username: VIEWER_USER, password: e.viewerPassword };
}

/** Sign in through the login form (as a person would) and wait to leave /login. */
export async function signIn(page: Page, who: Who, next?: string): Promise<void> {
  if (!page.url().includes('/login')) await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  const { username, password } = credentials(who);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/login');
}

/** The CSRF header a client with this cookie jar must send (the session-bound token, from its cookie). */
export async function csrf(ctx: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await ctx.storageState();
  const t = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return t ? { 'x-csrf-token': decodeURIComponent(t) } : {};
}

/** A non-browser client signed in as `who` (cookie jar with the session). */
export async function apiAs(who: Who): Promise<APIRequestContext> {
  const ctx = await playwrightRequest.newContext({ baseURL: authEnv().baseURL });
  const res = await ctx.post('/api/auth/login', { data: credentials(who) });
  expect(res.status(), await res.text()).toBe(200);
  return ctx;
}

/** A client that sends `Authorization: Bearer <token>` and keeps no cookies. */
export async function withToken(token: string): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: authEnv().baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
}

/** A client with no credentials at all. */
export async function anonymous(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: authEnv().baseURL });
}

/** Create an API token through the API as an admin; returns the token. */
export async function createToken(admin: APIRequestContext, name: string, scope: 'read' | 'write'): Promise<string> {
  const res = await admin.post('/api/v1/tokens', { data: { name, scope }, headers: await csrf(admin) });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** Enqueue a task as `ctx` (a signed-in admin or a write token). */
export async function runTask(ctx: APIRequestContext, task: string, args: Record<string, unknown> = {}): Promise<{ queue: string; id: string }> {
  const res = await ctx.post(`/api/v1/tasks/${encodeURIComponent(task)}/runs`, { data: { args }, headers: await csrf(ctx) });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { queue: string; id: string };
}

export async function jobState(ctx: APIRequestContext, queue: string, id: string): Promise<string> {
  const res = await ctx.get(`/api/v1/queues/${encodeURIComponent(queue)}/jobs/${encodeURIComponent(id)}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { state: string }).state;
}

/** A Redis connection to the suite's Redis (the caller quits it). */
export function redisClient(): Redis {
  return new Redis(authEnv().redisUrl, { maxRetriesPerRequest: 1 });
}

/** The Redis key of a browser's session (sessions are stored under the SHA-256 of the cookie). */
export async function sessionKeyOf(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === 'celerity_session');
  if (!cookie) throw new Error('no session cookie');
  return `${authEnv().prefix}:__celerity:session:${createHash('sha256').update(cookie.value).digest('hex')}`;
}

/**
 * Keys that change without any request: worker heartbeats (`worker:…`, `worker-last:…`), locks, BullMQ's
 * stalled-job checks, and — on purpose — sessions, the audit log, failed-login
 * counters, token "last used" times and password hashes upgraded at a sign-in.
 * Snapshots compare everything else.
 */
export const VOLATILE_KEY =
  /:__celerity:(session:|audit(-refused)?$|login-throttle:|token-usage$|password-upgrade:|worker[^:]*:|workers$|lock:)|:stalled-check$/;

/** Every non-volatile key under the suite's prefix with a hash of its value. */
export async function snapshot(redis: Redis): Promise<Record<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${authEnv().prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.filter((k) => !VOLATILE_KEY.test(k)));
  } while (cursor !== '0');
  const out: Record<string, string> = {};
  for (const k of keys.sort()) {
    const d = await redis.dumpBuffer(k);
    out[k] = d ? createHash('sha256').update(d).digest('hex').slice(0, 16) : 'gone';
  }
  return out;
}
