import { loginUrl } from '@/lib/auth/next-path';
import { withBase, withoutBase } from './base-path';

/**
 * The browser's one way to call the console's API: JSON in and out, the CSRF
 * token echoed from its cookie, and the server's error shape turned into ApiError.
 */
export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  fields?: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    /** Seconds, from a 429's or 503's Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(body.message);
  }
}

/**
 * The session ended (expired, signed out elsewhere): go to the login page,
 * which brings the user back here afterwards. Not for the sign-in call itself,
 * where 401 means a wrong password.
 */
function toLogin(path: string): void {
  // Signing out ends the session on purpose: the live connection's check then sees a 401 too,
  // and must not race the sign-out to a login page that says the session ended.
  if (path.startsWith('/api/auth/') || signingOut) return;
  const here = withoutBase(window.location.pathname) + window.location.search;
  // This page was shown to a session, so a 401 means that session ended: the login page says so.
  window.location.assign(withBase(loginUrl(here, 'expired')));
}

let signingOut = false;

/** End this browser's session and go to the login page (plain: nothing ended unexpectedly). */
export async function signOut(): Promise<void> {
  signingOut = true;
  await api('/api/auth/logout', { method: 'POST', body: {} }).catch(() => {});
  window.location.assign(withBase('/login'));
}

function csrfToken(): string {
  const m = /(?:^|;\s*)celerity_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

/** `path` is the console's (`/api/v1/…`); the base path is added here. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(withBase(path), {
    method,
    signal: init.signal,
    headers: {
      accept: 'application/json',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' ? { 'x-csrf-token': csrfToken() } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    cache: 'no-store',
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON (a proxy's error page): reported below
  }
  if (!res.ok) {
    const body = (data as { error?: ApiErrorBody } | null)?.error ?? { code: 'http_' + res.status, message: `Request failed (${res.status})` };
    if (res.status === 401) toLogin(path);
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, body, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return data as T;
}

/**
 * Is the session still good? Asked when the live connection is dropped or
 * refused, which is how an open page that makes no requests learns that its
 * session ended: on 401 it goes to the login page. Other failures (server down,
 * Redis down) are the connection indicator's business, not a sign-out.
 */
export async function checkSession(): Promise<void> {
  try {
    const res = await fetch(withBase('/api/auth/session'), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (res.status === 401) toLogin('');
  } catch {
    // offline: the live connection keeps retrying, and asks again when it fails again
  }
}

/** Path segment for names with any characters. */
export const seg = (s: string) => encodeURIComponent(s);
