import { describe, expect, it } from 'vitest';
import { bindRefusal, isLoopback } from './bind-policy';

describe('bindRefusal', () => {
  it('refuses a public address without accounts or the insecure flag, and says how to fix it', () => {
    const msg = bindRefusal('0.0.0.0', false, false);
    expect(typeof msg).toBe('string');
    expect(msg).toMatch(/0\.0\.0\.0/);
    expect(msg).toMatch(/CELERITY_INSECURE/);
    expect(bindRefusal('192.168.1.10', false, false)).toBeDefined();
    expect(bindRefusal('::', false, false)).toBeDefined();
  });

  it.each(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', 'LOCALHOST'])('allows loopback %s', (host) => {
    expect(isLoopback(host)).toBe(true);
    expect(bindRefusal(host, false, false)).toBeUndefined();
  });

  it('allows any address when accounts exist or CELERITY_INSECURE is set', () => {
    expect(bindRefusal('0.0.0.0', true, false)).toBeUndefined();
    expect(bindRefusal('0.0.0.0', false, true)).toBeUndefined();
  });
});
