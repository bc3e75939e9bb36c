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
  ) {
    super(body.message);
  }
}

function csrfToken(): string {
  const m = /(?:^|;\s*)celerity_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(path, {
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
    throw new ApiError(res.status, body);
  }
  return data as T;
}

/** Path segment for names with any characters. */
export const seg = (s: string) => encodeURIComponent(s);
