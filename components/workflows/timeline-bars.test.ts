import { describe, expect, it } from 'vitest';
import { timelineOf, totals } from './timeline-bars';
import { step, T0 } from './run-fixture';

describe('timeline bars', () => {
  it('splits each attempt into waiting (first only), queued and running, closing open bars at now', () => {
    const retried = step('1', {
      state: 'active',
      attempts: [
        { attempt: 1, queuedAt: T0 + 100, startedAt: T0 + 150, finishedAt: T0 + 400, outcome: 'requeued', error: 'boom' },
        { attempt: 2, queuedAt: T0 + 1400, startedAt: T0 + 1500, finishedAt: null, outcome: 'running' },
      ],
    });
    const tl = timelineOf({ createdAt: T0, finishedAt: null, nodes: [retried] }, T0 + 2000);
    expect(tl.rows[0]!.segments).toEqual([
      { kind: 'waiting', attempt: 1, start: T0, end: T0 + 100 },
      { kind: 'queued', attempt: 1, start: T0 + 100, end: T0 + 150 },
      { kind: 'running', attempt: 1, start: T0 + 150, end: T0 + 400, outcome: 'requeued' },
      { kind: 'queued', attempt: 2, start: T0 + 1400, end: T0 + 1500 },
      { kind: 'running', attempt: 2, start: T0 + 1500, end: T0 + 2000, outcome: 'running' },
    ]);
    expect(totals(tl.rows[0]!.segments)).toEqual({ waiting: 100, queued: 150, running: 750 });
    expect(tl).toMatchObject({ start: T0, end: T0 + 2000 });
  });

  it('a step still waiting waits until now; in a finished run, until the run ended, and nothing stays open', () => {
    const waiting = step('2', { state: 'waiting' });
    expect(timelineOf({ createdAt: T0, finishedAt: null, nodes: [waiting] }, T0 + 500).rows[0]!.segments).toEqual([
      { kind: 'waiting', attempt: 1, start: T0, end: T0 + 500 },
    ]);
    const cancelled = step('3', { state: 'cancelled', attempts: [{ attempt: 1, queuedAt: T0 + 10, startedAt: null, finishedAt: null, outcome: 'cancelled' }] });
    const tl = timelineOf({ createdAt: T0, finishedAt: T0 + 300, nodes: [step('2', { state: 'cancelled' }), cancelled] }, T0 + 9000);
    expect(tl.rows[0]!.segments).toEqual([]);
    expect(tl.rows[1]!.segments).toEqual([{ kind: 'waiting', attempt: 1, start: T0, end: T0 + 10 }]);
    expect(tl.end).toBe(T0 + 300);
  });
});
