import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LEASE_HAND_OUT_MS, MIN_LEASE, StartLeases } from './start-lease';
import type { SettledLease } from './throttle-gate';

/** A budget's leases in one worker (start-lease.ts), on a fake clock: what is handed out, when, and what is settled. */
describe('start leases', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  function leases() {
    const settled: SettledLease[] = [];
    const emptied = vi.fn();
    return { l: new StartLeases((s) => settled.push(s), emptied), settled, emptied };
  }
  const asks = (l: StartLeases, n: number) => {
    for (let i = 0; i < n; i++) l.noteAsk(performance.now());
  };

  it('asks for none while the jobs ask seldom, then for a hand-out period’s asks with slack, less what it still holds', () => {
    const { l } = leases();
    asks(l, MIN_LEASE - 1);
    expect(l.want()).toBe(0);
    asks(l, 7);
    expect(l.want()).toBe(15);
    l.add('p', { granted: 10, at: 1000 }, performance.now());
    expect(l.want()).toBe(5);
    l.asking = true;
    expect(l.want()).toBe(0);
  });

  it('hands out its starts in order only within the hand-out time of its call; the rest is settled when the time is up', () => {
    const { l, settled, emptied } = leases();
    const sent = performance.now();
    l.add('lease:t:1', { granted: 4, at: 5000 }, sent);
    expect(l.take(performance.now(), 'job:a')).toEqual({ member: 'lease:t:1:1', at: 5000, sent });
    expect(l.take(performance.now(), 'job:b')?.member).toBe('lease:t:1:2');
    vi.advanceTimersByTime(LEASE_HAND_OUT_MS - 1);
    expect(settled).toEqual([]);
    expect(l.take(performance.now() + 1, 'job:c')).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(settled).toEqual([{ at: 5000, unused: ['lease:t:1:3', 'lease:t:1:4'], takers: ['job:a', 'job:b'] }]);
    expect(emptied).toHaveBeenCalledOnce();
    expect(l.empty).toBe(true);
  });

  it('settles a lease at once when all its starts are handed out, without calling the budget empty', () => {
    const { l, settled, emptied } = leases();
    l.add('lease:t:2', { granted: 2, at: 7000 }, performance.now());
    l.take(performance.now(), 'job:a');
    l.take(performance.now(), 'job:b');
    expect(settled).toEqual([{ at: 7000, unused: [], takers: ['job:a', 'job:b'] }]);
    expect(l.take(performance.now(), 'job:c')).toBeUndefined();
    vi.advanceTimersByTime(LEASE_HAND_OUT_MS);
    expect(settled).toHaveLength(1);
    expect(emptied).not.toHaveBeenCalled();
  });

  it('runs low when fewer than half a period’s asks are left, or half the hand-out time is gone', () => {
    const { l } = leases();
    asks(l, 10);
    l.add('lease:t:3', { granted: 10, at: 1 }, performance.now());
    expect(l.runningLow(performance.now())).toBe(false);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) l.take(performance.now(), id);
    expect(l.runningLow(performance.now())).toBe(true);
    const { l: fresh } = leases();
    asks(fresh, 10);
    fresh.add('lease:t:4', { granted: 10, at: 1 }, performance.now());
    vi.advanceTimersByTime(LEASE_HAND_OUT_MS / 2);
    expect(fresh.runningLow(performance.now())).toBe(true);
  });

  it('a lease granted nothing holds nothing', () => {
    const { l, settled } = leases();
    l.add('lease:t:5', { granted: 0, at: 1 }, performance.now());
    expect(l.empty).toBe(true);
    vi.advanceTimersByTime(LEASE_HAND_OUT_MS);
    expect(settled).toEqual([]);
  });
});
