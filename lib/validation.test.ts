import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseOrThrow } from './validation';
import { InvalidError } from './errors';

describe('parseOrThrow', () => {
  const schema = z.object({ a: z.number(), nested: z.object({ b: z.string() }) });

  it('returns the parsed value', () => {
    expect(parseOrThrow(schema, { a: 1, nested: { b: 'x' } })).toEqual({ a: 1, nested: { b: 'x' } });
  });

  it('names the first wrong field, with a prefix, and lists all of them', () => {
    let err: unknown;
    try {
      parseOrThrow(schema, { a: 'x', nested: { b: 2 } }, 'args');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidError);
    const e = err as InvalidError;
    expect(e.field).toBe('args.a');
    expect(Object.keys(e.fields ?? {}).sort()).toEqual(['args.a', 'args.nested.b']);
    expect(e.message).toMatch(/^args\.a: /);
  });
});
