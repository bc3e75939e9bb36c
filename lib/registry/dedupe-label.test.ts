import { describe, expect, it } from 'vitest';
import { describeDedupeSetting, describeDeduplication } from './dedupe-label';
import { dedupeId } from './dedupe';

/** The job page's words for a job's deduplication, from the options BullMQ stored. */
describe('describeDeduplication', () => {
  // The page passes its own formatter (components/ui/format.ts); any will do here.
  const formatDuration = (ms: number) => `${ms} ms`;
  const say = (d: Record<string, unknown>) => describeDeduplication(d, formatDuration);

  it('names the key and its mode, as Celerity wrote them', () => {
    expect(say({ id: dedupeId('charge', 'idem', 'order:42'), ttl: 5000 })).toBe(`idempotency key "order:42", held ${formatDuration(5000)}`);
    expect(say({ id: dedupeId('a:b', 'key', '["c-1"]') })).toBe('key "["c-1"]" (unique while queued or running)');
    expect(say({ id: dedupeId('report', 'key', 'c-1'), ttl: 60_000 })).toBe(`key "c-1" (window of ${formatDuration(60_000)})`);
    expect(say({ id: dedupeId('typing', 'key', 'doc'), ttl: 1500, extend: true, replace: true })).toBe(`key "doc" (debounce, ${formatDuration(1500)})`);
  });

  it('shows another producer’s id as it is', () => {
    expect(say({ id: 'orders-7', ttl: 1000 })).toBe(`id "orders-7", for ${formatDuration(1000)}`);
    expect(say({ id: 'plain' })).toBe('id "plain"');
  });
});

describe('describeDedupeSetting', () => {
  const formatDuration = (ms: number) => `${ms} ms`;
  it('says the mode, the window and what the key is made of', () => {
    expect(describeDedupeSetting({ mode: 'window', ttl: 60_000, keyArgs: ['customer', 'month'] }, formatDuration)).toBe(
      'one job per 60000 ms; by customer, month',
    );
    expect(describeDedupeSetting({ mode: 'debounce', ttl: 5000 }, formatDuration)).toMatch(/^debounce, 5000 ms; key computed in code/);
    expect(describeDedupeSetting({ mode: 'unique', keyArgs: ['id'] }, formatDuration)).toBe('unique while queued or running; by id');
  });
});
