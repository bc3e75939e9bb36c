import { describe, expect, it } from 'vitest';
import { ChangeDetector } from './change-detector';

describe('ChangeDetector', () => {
  it('reports the first value, then only values that differ from the last one seen', () => {
    const d = new ChangeDetector<{ n: number }>();
    expect(d.changed({ n: 1 })).toBe(true);
    expect(d.changed({ n: 1 })).toBe(false); // equal by value, not by reference
    expect(d.changed({ n: 2 })).toBe(true);
    expect(d.changed({ n: 1 })).toBe(true); // compared with the last value, not with every value ever seen
  });

  it('compares only the part chosen by its key (a read time that changes on every read does not count)', () => {
    const d = new ChangeDetector<{ at: number; alive: string[] }>((v) => v.alive);
    expect(d.changed({ at: 1, alive: ['a'] })).toBe(true);
    expect(d.changed({ at: 2, alive: ['a'] })).toBe(false);
    expect(d.changed({ at: 3, alive: ['a', 'b'] })).toBe(true);
  });

  it('after reset, the same value counts as a change again (pages start over after Redis came back)', () => {
    const d = new ChangeDetector<string[]>();
    expect(d.changed([])).toBe(true);
    expect(d.changed([])).toBe(false);
    d.reset();
    expect(d.changed([])).toBe(true);
    expect(d.changed([])).toBe(false);
  });
});
