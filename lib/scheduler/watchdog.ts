import type { Redis } from 'ioredis';
import { getQueue } from '../queue/queue-registry';
import { readCatalogue } from '../registry/catalogue';
import { readDefinitions } from './schedule-store';
import { applySchedule, scheduleQueue, withLock } from './schedule-apply';
import { schedulerId } from './schedule-jobs';
import { nextRuns } from './next-runs';
import type { ScheduleDefinition } from './schedule-model';

/**
 * BullMQ creates a schedule's next job when a worker takes the current one; a
 * crash in between (or a job removed by hand) leaves the scheduler pointing at
 * a job that does not exist, and the schedule silently stops. The watchdog
 * looks for enabled schedules whose next job is overdue and missing, and
 * re-applies them.
 */

/** The schedule's period around `at` (interval: fixed; cron: gap between the next two runs). */
function periodAround(def: ScheduleDefinition, at: number): number | undefined {
  if (def.trigger.type === 'once') return undefined;
  const [a, b] = nextRuns(def.trigger, { from: new Date(at), count: 2 });
  return a && b ? b.getTime() - a.getTime() : undefined;
}

/** One pass. Returns the names it restored. Only one process runs a pass at a time (lock). */
export async function watchdogPass(redis: Redis, now = Date.now()): Promise<string[]> {
  const restored = await withLock(redis, 'watchdog', 10_000, async () => {
    const [defs, catalogue] = await Promise.all([readDefinitions(redis), readCatalogue(redis)]);
    const taskQueue = new Map(catalogue.map((e) => [e.name, e.queue]));
    const out: string[] = [];
    for (const def of defs) {
      if (!def.enabled || def.trigger.type === 'once') continue;
      const queueName = scheduleQueue(def, taskQueue.get(def.task));
      const queue = getQueue(queueName);
      const id = schedulerId(def.name);
      const scheduler = await queue.getJobScheduler(id);
      if (!scheduler?.next) continue; // missing scheduler: reconcile's job (it may have run out)
      const period = periodAround(def, scheduler.next);
      if (period === undefined || now <= scheduler.next + period) continue;
      // Overdue: fine if its job exists (waiting for a worker); lost if not.
      const state = await queue.getJobState(`repeat:${id}:${scheduler.next}`);
      if (state !== 'unknown') continue;
      await applySchedule(redis, def, queueName, { force: true });
      out.push(def.name);
    }
    return out;
  });
  return restored ?? [];
}
