import { describe, expect, it } from 'vitest';
import { InvalidError } from '../errors';
import { dedupeId, jobDedupe, requestIdempotencyKey } from './dedupe';

/** The deduplication a call gets, without Redis (test/dedupe.test.ts runs it on Redis). */
describe('jobDedupe', () => {
  const policy = { task: 'report', idempotencyTtl: 1000 };

  it('gives each mode its BullMQ options; a call’s idempotency key wins over the task’s key', () => {
    const window = { ...policy, dedupe: { mode: 'window' as const, ttl: 50, key: ['id'] } };
    expect(jobDedupe(window, { id: 'a' }, {}, undefined, 'f')?.deduplication).toEqual({ id: 'report:key:["a"]', ttl: 50 });
    expect(jobDedupe(window, { id: 'a' }, {}, 'k', 'f')?.deduplication).toEqual({ id: 'report:idem:k', ttl: 1000 });
    const unique = { ...policy, dedupe: { mode: 'unique' as const, key: (a: { id: string }) => a.id } };
    expect(jobDedupe(unique, {}, { id: 'p' }, undefined, 'f')?.deduplication).toEqual({ id: 'report:key:p' });
    const debounce = jobDedupe({ ...policy, dedupe: { mode: 'debounce' as const, ttl: 70, key: ['id'] } }, { id: 1 }, {}, undefined, 'f');
    expect(debounce).toMatchObject({ deduplication: { id: 'report:key:[1]', ttl: 70, extend: true, replace: true }, minDelay: 70 });
    expect(jobDedupe(policy, {}, {}, undefined, 'f')).toBeUndefined();
  });

  it('gives every call its own job id, so an existing job is told from a new one', () => {
    const a = jobDedupe(policy, {}, {}, 'k', 'f')!;
    const b = jobDedupe(policy, {}, {}, 'k', 'f')!;
    expect(a.deduplication.id).toBe(b.deduplication.id);
    expect(a.jobId).not.toBe(b.jobId);
  });

  it('never mixes up two tasks, nor a value list with one value holding a comma', () => {
    expect(dedupeId('a:idem', 'key', 'b')).not.toBe(dedupeId('a', 'idem', 'key:b'));
    const byNames = { ...policy, dedupe: { mode: 'unique' as const, key: ['x', 'y'] } };
    const one = jobDedupe(byNames, { x: 'a,b' }, {}, undefined, 'f')!.deduplication.id;
    const two = jobDedupe(byNames, { x: 'a', y: 'b' }, {}, undefined, 'f')!.deduplication.id;
    expect(one).not.toBe(two);
  });

  it('refuses a key that is not text of 1–256 characters, naming the field', () => {
    for (const bad of ['', 'k'.repeat(257), 7, null]) {
      const err = (() => {
        try {
          jobDedupe(policy, {}, {}, bad, 'options.idempotencyKey');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidError);
      expect(err).toMatchObject({ field: 'options.idempotencyKey' });
    }
    const coded = { ...policy, dedupe: { mode: 'unique' as const, key: () => '' } };
    expect(() => jobDedupe(coded, {}, {}, undefined, 'f')).toThrow(/dedupe\.key/);
  });

  it('takes a request’s key from the header or the body, and refuses two that differ', () => {
    expect(requestIdempotencyKey(undefined, 'h')).toEqual({ value: 'h', field: 'Idempotency-Key' });
    expect(requestIdempotencyKey('b', undefined)).toEqual({ value: 'b', field: 'idempotencyKey' });
    expect(requestIdempotencyKey('same', 'same')).toEqual({ value: 'same', field: 'Idempotency-Key' });
    expect(() => requestIdempotencyKey('a', 'b')).toThrow(InvalidError);
    expect(requestIdempotencyKey(undefined, undefined)).toBeUndefined();
  });
});
