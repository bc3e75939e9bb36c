import { describe, expect, it } from 'vitest';
import { resolveThrottle } from '../registry/task-throttle';
import { parseOrThrow } from '../validation';
import { effectiveThrottle, normaliseLimits, overrideLimitsSchema, type TaskOverride } from './task-override';

const by = { setBy: 'alice', setAt: 1 };
const o = (x: Partial<TaskOverride>): TaskOverride => ({ ...by, ...x });

describe('effectiveThrottle', () => {
  const code = resolveThrottle('t', { rateLimit: '5/s', rateLimitKey: ['customerId'], concurrency: { global: 4, perKey: 1 } })!;

  it('keeps the code’s throttle without an override, or with one that sets no limit (a pause)', () => {
    expect(effectiveThrottle(code, undefined)).toBe(code);
    expect(effectiveThrottle(code, o({ paused: true }))).toBe(code);
    expect(effectiveThrottle(undefined, o({ paused: true }))).toBeUndefined();
  });

  it('puts the override’s rate in place of the code’s, per key as in code; keeps the concurrency', () => {
    const t = effectiveThrottle(code, o({ rateLimit: '2/m' }))!;
    expect(t.rate).toEqual({ limit: 2, windowMs: 60_000, text: '2/m' });
    expect(t.rateKey).toBe(code.rateKey);
    expect(t.concurrency).toEqual(code.concurrency);
  });

  it('lifts a limit with "none"; nothing left in force means no gate', () => {
    expect(effectiveThrottle(code, o({ rateLimit: 'none' }))).toEqual({ concurrency: code.concurrency });
    const rateOnly = resolveThrottle('t', { rateLimit: '5/s' });
    expect(effectiveThrottle(rateOnly, o({ rateLimit: 'none' }))).toBeUndefined();
    expect(effectiveThrottle(code, o({ concurrency: 'none' }))!.concurrency).toEqual({ perKey: 1, key: code.concurrency!.key });
  });

  it('gives a task without a throttle in code the override’s limits', () => {
    expect(effectiveThrottle(undefined, o({ rateLimit: '3/s', concurrency: 2 }))).toEqual({
      rate: { limit: 3, windowMs: 1000, text: '3/s' },
      concurrency: { global: 2 },
    });
  });
});

describe('overrideLimitsSchema', () => {
  it('accepts the code’s syntax and "none", normalised', () => {
    expect(normaliseLimits(parseOrThrow(overrideLimitsSchema, { rateLimit: ' 100 / M ', concurrency: 3 }))).toEqual({ rateLimit: '100/m', concurrency: 3 });
    expect(normaliseLimits(parseOrThrow(overrideLimitsSchema, { rateLimit: 'None', concurrency: 'none' }))).toEqual({ rateLimit: 'none', concurrency: 'none' });
    expect(normaliseLimits(parseOrThrow(overrideLimitsSchema, { rateLimit: null }))).toEqual({});
  });

  it('refuses what code refuses, naming the field', () => {
    for (const [body, field, message] of [
      [{ rateLimit: '100/fortnight' }, 'rateLimit', /is not a rate/],
      [{ rateLimit: '0/s' }, 'rateLimit', /whole number from 1/],
      [{ concurrency: -1 }, 'concurrency', /whole number from 1 to 10000/],
      [{ concurrency: '3' }, 'concurrency', /or "none"/],
    ] as const) {
      expect(() => parseOrThrow(overrideLimitsSchema, body)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }));
    }
  });
});
