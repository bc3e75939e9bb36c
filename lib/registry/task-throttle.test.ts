import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from './define-task';
import { parseRate, resolveThrottle, throttleKeyOf, throttleSummary } from './task-throttle';

/** Throttle options checked at definition time (test/throttle.test.ts enforces them on Redis). */
describe('task throttle options', () => {
  const def = (extra: object) =>
    defineTask({ name: 'report', description: 'd', schema: z.object({ customerId: z.string().default('c') }), handler: () => 1, ...extra });

  it('parses rates per second, minute and hour', () => {
    expect(parseRate('5/s')).toEqual({ limit: 5, windowMs: 1000, text: '5/s' });
    expect(parseRate('100/m')).toEqual({ limit: 100, windowMs: 60_000, text: '100/m' });
    expect(parseRate(' 1000 / H ')).toEqual({ limit: 1000, windowMs: 3_600_000, text: '1000/h' });
  });

  it('rejects an unparsable rate, a zero or negative count, naming the task and the field', () => {
    expect(() => def({ rateLimit: '100/fortnight' })).toThrow(/Invalid task "report": rateLimit "100\/fortnight" is not a rate/);
    expect(() => def({ rateLimit: '0/s' })).toThrow(/rateLimit "0\/s": the count must be a whole number from 1/);
    expect(() => def({ rateLimit: '-5/s' })).toThrow(/rateLimit "-5\/s"/);
    expect(() => def({ rateLimit: 5 })).toThrow(/rateLimit 5 is not a rate/);
    expect(() => def({ rateLimitKey: ['customerId'] })).toThrow(/rateLimitKey needs rateLimit/);
    expect(() => def({ rateLimit: '5/s', rateLimitKey: [] })).toThrow(/rateLimitKey must be/);
  });

  it('rejects negative, zero or fractional concurrency, and perKey without a key', () => {
    expect(() => def({ concurrency: { global: -1 } })).toThrow(/Invalid task "report": concurrency.global must be a whole number/);
    expect(() => def({ concurrency: { perKey: 0, key: ['customerId'] } })).toThrow(/concurrency.perKey must be/);
    expect(() => def({ concurrency: { global: 1.5 } })).toThrow(/concurrency.global/);
    expect(() => def({ concurrency: { perKey: 2 } })).toThrow(/concurrency.perKey needs concurrency.key/);
    expect(() => def({ concurrency: {} })).toThrow(/concurrency needs global or perKey/);
  });

  it('keeps no throttle when none is set (the worker then makes no Redis call), and summarizes one for the catalogue', () => {
    expect(def({}).throttle).toBeUndefined();
    const t = def({ rateLimit: '100/m', rateLimitKey: ['customerId'], concurrency: { global: 4, perKey: 1 } }).throttle!;
    expect(t.concurrency).toMatchObject({ global: 4, perKey: 1, key: ['customerId'] });
    expect(throttleSummary(t)).toEqual({ rateLimit: '100/m', rateKeyArgs: ['customerId'], concurrency: { global: 4, perKey: 1, keyArgs: ['customerId'] } });
    const byCode = resolveThrottle('x', { rateLimit: '5/s', rateLimitKey: () => 'k' })!;
    expect(throttleSummary(byCode)).toEqual({ rateLimit: '5/s', keyByCode: true });
  });

  it('makes key values that never mix lists up, and hashes long ones', () => {
    expect(throttleKeyOf(['a', 'b'] as never, { a: 'x,y' })).not.toBe(throttleKeyOf(['a', 'b'] as never, { a: 'x', b: 'y' }));
    expect(throttleKeyOf((() => 'k') as never, {})).toBe('k');
    const long = throttleKeyOf((() => 'z'.repeat(500)) as never, {});
    expect(long).toMatch(/^sha1:[0-9a-f]{40}$/);
  });
});
