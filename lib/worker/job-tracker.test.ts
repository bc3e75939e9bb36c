import { describe, expect, it } from 'vitest';
import { JobTracker } from './job-tracker';

describe('JobTracker', () => {
  it('keeps a job held from its take until its outcome is in Redis, longer than its handler runs', () => {
    const t = new JobTracker();
    t.taken('q', '1');
    t.started('q', '1', 'add');
    expect(t.runningCount()).toBe(1);
    t.ended('q', '1');
    expect(t.runningCount()).toBe(0);
    expect(t.unsettledJobs()).toEqual([{ queue: 'q', jobId: '1' }]);
    t.settled('q', '1');
    expect(t.unsettledJobs()).toEqual([]);
  });

  it('tells apart the same job id in two queues', () => {
    const t = new JobTracker();
    t.taken('a', '1');
    t.taken('b', '1');
    t.settled('a', '1');
    expect(t.unsettledJobs()).toEqual([{ queue: 'b', jobId: '1' }]);
  });

  it("shows running jobs with their progress, and requeueAll aborts each one's signal", () => {
    const t = new JobTracker();
    const a = t.started('q', '1', 'add');
    const b = t.started('q', '2', 'report');
    a.progress = 50;
    expect(t.runningForHeartbeat()).toEqual([
      { queue: 'q', jobId: '1', task: 'add', startedAt: a.startedAt, progress: 50 },
      { queue: 'q', jobId: '2', task: 'report', startedAt: b.startedAt, progress: undefined },
    ]);
    t.requeueAll('shutdown');
    expect([a.signal().aborted, b.signal().aborted]).toEqual([true, true]);
    expect([a.stopped, b.stopped]).toEqual([
      { kind: 'requeue', reason: 'shutdown' },
      { kind: 'requeue', reason: 'shutdown' },
    ]);
    expect(a.signal().reason).toBe('shutdown');
  });

  it('cancels a job it holds: a running handler at once, one not started yet as it starts; not a job it does not hold', () => {
    const t = new JobTracker();
    t.taken('q', '1');
    const a = t.started('q', '1', 'add');
    let stoppedWith: unknown;
    a.onStop = (reason) => (stoppedWith = reason);
    expect(t.cancel('q', '1', 'by user')).toBe(true);
    expect(a.stopped).toEqual({ kind: 'cancel', reason: 'by user' });
    expect(stoppedWith).toBe('by user');
    expect(a.signal().reason).toBe('by user');
    // A later hand-back does not turn the cancel into a requeue.
    t.requeueAll('shutdown');
    expect(a.stopped?.kind).toBe('cancel');

    t.taken('q', '2');
    expect(t.cancel('q', '2', 'early')).toBe(true);
    expect(t.started('q', '2', 'add').stopped).toEqual({ kind: 'cancel', reason: 'early' });

    expect(t.cancel('q', '3', 'not ours')).toBe(false);
    t.settled('q', '1');
    expect(t.cancel('q', '1', 'too late')).toBe(false);
  });

  it("makes a handler's signal only when asked, aborted with the reason of a hand-back that came first", () => {
    const t = new JobTracker();
    const a = t.started('q', '1', 'add');
    const signal = a.signal();
    expect(signal.aborted).toBe(false);
    t.requeueAll('shutdown');
    expect([signal.aborted, signal.reason, a.signal()]).toEqual([true, 'shutdown', signal]);
    const b = t.started('q', '2', 'add');
    b.stop('requeue', 'shutdown');
    expect(b.signal().reason).toBe('shutdown');
  });
});
