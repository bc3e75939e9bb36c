import { describe, expect, it } from 'vitest';
import { JobMap } from './job-map';

describe('JobMap', () => {
  it('keeps the same job id apart on two queues, and counts entries across queues', () => {
    const m = new JobMap<string>();
    m.set('a', '1', 'a1');
    m.set('b', '1', 'b1');
    m.set('a', '1', 'a1 again');
    expect(m.size).toBe(2);
    expect(m.get('a', '1')).toBe('a1 again');
    expect(m.get('b', '1')).toBe('b1');
    expect(m.has('c', '1')).toBe(false);
    expect(m.delete('a', '1')).toBe(true);
    expect(m.delete('a', '1')).toBe(false);
    expect(m.delete('c', '1')).toBe(false);
    expect(m.size).toBe(1);
    expect([...m.values()]).toEqual(['b1']);
  });

  it('lets values() go on while the loop deletes what it has seen', () => {
    const m = new JobMap<number>();
    for (let i = 0; i < 5; i++) m.set(i % 2 ? 'odd' : 'even', String(i), i);
    const seen: number[] = [];
    for (const v of m.values()) {
      seen.push(v);
      m.delete(v % 2 ? 'odd' : 'even', String(v));
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(m.size).toBe(0);
  });
});
