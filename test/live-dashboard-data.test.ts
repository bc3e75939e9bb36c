import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createLogger } from '../lib/logger';
import { readThroughputHistory, minutesFromMetrics } from '../lib/data/dashboard-history';
import { readTaskTimings, jobTimes } from '../lib/data/dashboard-timings';
import { readActiveJobs } from '../lib/data/dashboard-active';
import { readLatestFailures } from '../lib/data/dashboard-failures';
import { add, fail, report } from '../worker/tasks/demo-tasks';
import { waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/** The dashboard's figures read from Redis as real workers leave it. */
const stack = queueStack();
const logger = createLogger('live-dashboard-data', 'error');

async function setup(): Promise<{ name: string; q: Queue }> {
  const { name, queue } = await stack.workerOnOwnQueue([add, fail, report], { logger, concurrency: 4 }, 'dash');
  return { name, q: queue };
}

describe('dashboard data', () => {
  it('history from BullMQ metrics counts every completed and failed job; timings per task; latest failures', async () => {
    const { name, q } = await setup();
    await q.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } })));
    await q.addBulk(Array.from({ length: 4 }, () => ({ name: 'fail', data: { message: 'boom' } })));
    await waitFor(
      'all jobs to finish',
      () => q.getJobCounts('completed', 'failed'),
      (c) => c.completed === 30 && c.failed === 4,
    );

    for (const range of ['1h', '24h'] as const) {
      const h = await readThroughputHistory([name], range, Date.now());
      expect(h.totals).toEqual({ completed: 30, failed: 4 });
      expect(h.points.length).toBe(range === '1h' ? 60 : 96);
      expect(h.points.at(-1)!.t).toBeLessThanOrEqual(Date.now());
    }

    const timings = await readTaskTimings([name], 200, 0);
    const addTiming = timings.tasks.find((t) => t.queue === name && t.task === 'add')!;
    expect(addTiming.samples).toBe(30);
    expect(addTiming.waitP50).toBeGreaterThanOrEqual(0);
    expect(addTiming.runP95).toBeGreaterThanOrEqual(addTiming.runP50);

    const failures = await readLatestFailures([name]);
    expect(failures).toHaveLength(4);
    expect(failures.every((f) => f.queue === name && f.task === 'fail' && f.reason === 'boom' && f.failedAt! > 0)).toBe(true);
    expect([...failures].sort((a, b) => b.failedAt! - a.failedAt!)).toEqual(failures);
  });

  it('active jobs with their progress', async () => {
    const { name, q } = await setup();
    const job = await q.add('report', { durationMs: 3000, steps: 10 });
    const active = await waitFor(
      'progress on the active job',
      () => readActiveJobs([name]),
      (a) => typeof a.jobs[0]?.progress === 'number' && (a.jobs[0].progress as number) > 0,
    );
    expect(active.total).toBe(1);
    expect(active.jobs[0]).toMatchObject({ queue: name, id: job.id, task: 'report' });
    expect(active.jobs[0]!.startedAt).toBeGreaterThan(0);
  });

  it('reads the per-minute metrics the way BullMQ writes them', () => {
    const prevTS = Date.UTC(2026, 0, 1, 12, 30, 20);
    const minutes = minutesFromMetrics({ meta: { count: 17, prevTS, prevCount: 10 }, data: [0, 5, 3] });
    expect([...minutes.entries()]).toEqual([
      [Date.UTC(2026, 0, 1, 12, 30), 7],
      [Date.UTC(2026, 0, 1, 12, 28), 5],
      [Date.UTC(2026, 0, 1, 12, 27), 3],
    ]);
    expect(jobTimes(1000, 500, 2000, 2600)).toEqual({ wait: 500, run: 600 });
  });
});
