import { describe, expect, it } from 'vitest';
import { loginUrl, safeNextPath } from './next-path';

describe('safeNextPath (no open redirect)', () => {
  it.each([
    ['/queues/x', '/queues/x'],
    ['/queues/a%20b?state=failed#top', '/queues/a%20b?state=failed#top'],
    ['/', '/'],
  ])('keeps the same-site path %s', (raw, out) => {
    expect(safeNextPath(raw)).toBe(out);
  });

  it.each([
    '//evil.example',
    '//evil.example/queues',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'http:evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/\t/evil.example',
    '/%0a/evil',
    '/ /evil.example',
    '/login?next=/login',
    '/api/v1/queues',
    '',
    '/' + 'a'.repeat(3000),
  ])('falls back to / for %j', (raw) => {
    const out = safeNextPath(raw);
    // Whatever it returns stays on this site.
    expect(new URL(out, 'http://console.test').origin).toBe('http://console.test');
    if (!/^\/%0a/.test(raw)) expect(out).toBe('/');
  });

  it('loginUrl remembers the page', () => {
    expect(loginUrl('/queues/x?state=failed')).toBe('/login?next=%2Fqueues%2Fx%3Fstate%3Dfailed');
    expect(loginUrl('/')).toBe('/login');
    expect(loginUrl('//evil.example')).toBe('/login');
  });

  it('loginUrl says why only when given a reason (a session that ended), keeping next safe', () => {
    expect(loginUrl('/queues/x?state=failed', 'expired')).toBe('/login?next=%2Fqueues%2Fx%3Fstate%3Dfailed&reason=expired');
    expect(loginUrl('/', 'expired')).toBe('/login?reason=expired');
    expect(loginUrl('//evil.example', 'expired')).toBe('/login?reason=expired');
    // What the login page reads back: the remembered page and the reason, nothing else.
    const q = new URL(loginUrl('/queues/a%20b?x=1&reason=none', 'expired'), 'http://console.test').searchParams;
    expect([q.get('next'), q.get('reason')]).toEqual(['/queues/a%20b?x=1&reason=none', 'expired']);
    expect(safeNextPath(q.get('next'))).toBe('/queues/a%20b?x=1&reason=none');
  });
});
