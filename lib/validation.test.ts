import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invalidFromZod, parseOrThrow, ROOT_FIELD } from './validation';
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

describe('root-level issues', () => {
  const strict = z.strictObject({ args: z.record(z.string(), z.unknown()).default({}) });

  it('name the body, never an empty field, in field, fields and the message', () => {
    let err: unknown;
    try {
      parseOrThrow(strict, { a: 1, b: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidError);
    const e = err as InvalidError;
    expect(e.field).toBe(ROOT_FIELD);
    expect(ROOT_FIELD).toBe('body');
    expect(Object.keys(e.fields ?? {})).toEqual(['body']);
    expect(e.fields?.body).toMatch(/Unrecognized keys/);
    expect(e.message).toMatch(/^body: Unrecognized keys/);
  });

  it('a body that is not an object is a body error too; with a prefix the prefix is the field', () => {
    expect(() => parseOrThrow(strict, 'text')).toThrow(expect.objectContaining({ field: 'body', fields: { body: expect.any(String) } }));
    const e = invalidFromZod(strict.safeParse([]).error!, 'options');
    expect(e.field).toBe('options');
    expect(Object.keys(e.fields ?? {})).toEqual(['options']);
  });

  it('an empty key is still a named field', () => {
    const e = invalidFromZod(z.record(z.string(), z.number()).safeParse({ '': 'x' }).error!);
    expect(e.field).not.toBe('');
    expect(Object.keys(e.fields ?? {})).not.toContain('');
  });
});
