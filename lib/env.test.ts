import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

/** The message of what `fn` throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('parseEnv', () => {
  it('fills in the defaults for an empty environment', () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(5555);
    expect(e.HOST).toBe('127.0.0.1');
    expect(e.CELERITY_PREFIX).toBe('bull');
    expect(e.REDIS_URL).toBeUndefined();
    expect(e.CELERITY_INSECURE).toBe(false);
  });

  it('coerces and keeps good values', () => {
    const e = parseEnv({ PORT: '8080', REDIS_URL: 'rediss://h:6380/2', CELERITY_INSECURE: '1' });
    expect(e.PORT).toBe(8080);
    expect(e.REDIS_URL).toBe('rediss://h:6380/2');
    expect(e.CELERITY_INSECURE).toBe(true);
  });

  it.each(['abc', '0', '70000', '1.5'])('refuses PORT=%s with an EnvError naming PORT', (port) => {
    const err = thrown(() => parseEnv({ PORT: port }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/\bPORT\b/);
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://', () => {
    const err = thrown(() => parseEnv({ REDIS_URL: 'http://localhost:6379' }));
    expect(err).toBeInstanceOf(EnvError);
    expect(err.message).toMatch(/REDIS_URL/);
    expect(err.message).toMatch(/redis:\/\//);
  });

  it('treats a blank REDIS_URL as unset', () => {
    expect(parseEnv({ REDIS_URL: '  ' }).REDIS_URL).toBeUndefined();
  });
});
