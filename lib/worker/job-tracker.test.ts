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
    expect([a.requeue.signal.aborted, b.requeue.signal.aborted]).toEqual([true, true]);
    expect(a.requeue.signal.reason).toBe('shutdown');
  });
});
