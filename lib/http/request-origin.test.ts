import { describe, expect, it } from 'vitest';
import { isSecureRequest, requestHost } from './request-origin';
import { isSecureRequest as fromRequestAuth } from '../auth/request-auth';

const h = (headers: Record<string, string>) => new Headers(headers);

describe('isSecureRequest', () => {
  it('honours X-Forwarded-Proto only from a trusted proxy', () => {
    const proxied = h({ host: '127.0.0.1:5555', 'x-forwarded-proto': 'https' });
    expect(isSecureRequest(proxied, 'http://127.0.0.1:5555/login', true)).toBe(true);
    // Without CELERITY_TRUST_PROXY any client could claim HTTPS.
    expect(isSecureRequest(proxied, 'http://127.0.0.1:5555/login', false)).toBe(false);
  });

  it('reads the first hop of a list, case-insensitively', () => {
    expect(isSecureRequest(h({ 'x-forwarded-proto': 'HTTPS, http' }), undefined, true)).toBe(true);
    expect(isSecureRequest(h({ 'x-forwarded-proto': 'http, https' }), undefined, true)).toBe(false);
  });

  it('falls back to the URL', () => {
    expect(isSecureRequest(h({}), 'https://tasks.example.com/', false)).toBe(true);
    expect(isSecureRequest(h({}), 'http://tasks.example.com/', true)).toBe(false);
    expect(isSecureRequest(h({}), undefined, true)).toBe(false);
  });

  it('reads CELERITY_TRUST_PROXY when not told (off by default), and is the one request-auth exports', () => {
    expect(isSecureRequest(h({ 'x-forwarded-proto': 'https' }))).toBe(false);
    expect(fromRequestAuth).toBe(isSecureRequest);
  });
});

describe('requestHost', () => {
  it('is the Host header unless a trusted proxy forwards another', () => {
    const proxied = h({ host: '127.0.0.1:5555', 'x-forwarded-host': 'tasks.example.com, inner.lan' });
    expect(requestHost(proxied, true)).toBe('tasks.example.com');
    expect(requestHost(proxied, false)).toBe('127.0.0.1:5555');
    expect(requestHost(proxied)).toBe('127.0.0.1:5555');
    expect(requestHost(h({ host: '127.0.0.1:5555' }), true)).toBe('127.0.0.1:5555');
    expect(requestHost(h({}), true)).toBeNull();
  });
});
