import type { RedisConnection } from '../redis';
import { getQueue } from '../queue/queue-registry';
import { readTargetQueues } from './target-queues';
import { readDefinitions } from './schedule-store';
import { applySchedule, scheduleQueue, withLock } from './schedule-apply';
import { schedulerId } from './schedule-jobs';
import { nextRuns } from './next-runs';
import type { ScheduleDefinition } from './schedule-model';

/**
 * BullMQ creates a schedule's next job when a worker takes the current one; a
 * crash in between, a failed Redis call there (BullMQ only emits 'error'), or a
 * job removed by hand leaves the scheduler pointing at a job that does not exist
 * or was already taken, and the schedule silently stops. The watchdog looks for
 * enabled schedules whose next job is overdue and not pending, and re-applies them.
 */

/** States of a job that has not been taken by a worker yet. */
const PENDING = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/** The schedule's period around `at` (interval: fixed; cron: gap between the next two runs). */
function periodAround(def: ScheduleDefinition, at: number): number | undefined {
  if (def.trigger.type === 'once') return undefined;
  const [a, b] = nextRuns(def.trigger, { schedule: def.name, from: new Date(at), count: 2 });
  return a && b ? b.getTime() - a.getTime() : undefined;
}

/** Whether BullMQ had no next run to create after `next`: its limit is used up, or no slot is left before the end date. */
function ranOut(def: ScheduleDefinition, scheduler: { next?: number | null; limit?: number; iterationCount?: number }): boolean {
  if (def.trigger.type === 'once' || !scheduler.next) return true;
  if (scheduler.limit !== undefined && (scheduler.iterationCount ?? 0) >= scheduler.limit) return true;
  return nextRuns(def.trigger, { schedule: def.name, from: new Date(scheduler.next + 1), count: 1 }).length === 0;
}

/** The shortest period a schedule can have: a scheduler is overdue only once its `next` is at least this old. */
const MIN_PERIOD_MS = 1_000;

/**
 * Scheduler ids of a queue whose `next` is at least `MIN_PERIOD_MS` in the past,
 * from BullMQ's index of schedulers (a sorted set scored by `next`): one call
 * per queue, so a pass over a thousand healthy schedules costs next to nothing.
 */
async function overdueSchedulerIds(redis: RedisConnection, queueName: string, now: number): Promise<Set<string>> {
  const index = getQueue(queueName).keys.repeat;
  if (!index) throw new Error(`BullMQ gave no scheduler index key for queue "${queueName}"`);
  return new Set(await redis.zrangebyscore(index, '-inf', now - MIN_PERIOD_MS));
}

/** One pass. Returns the names it restored. Only one process runs a pass at a time (lock). */
export async function watchdogPass(redis: RedisConnection, now = Date.now()): Promise<string[]> {
  const restored = await withLock(redis, 'watchdog', 10_000, async () => {
    const [defs, targetQueue] = await Promise.all([readDefinitions(redis), readTargetQueues(redis)]);
    const watched = defs.filter((def) => def.enabled && def.trigger.type !== 'once').map((def) => ({ def, queueName: scheduleQueue(def, targetQueue(def)) }));
    const overdue = new Map<string, Set<string>>();
    for (const queueName of new Set(watched.map((w) => w.queueName))) overdue.set(queueName, await overdueSchedulerIds(redis, queueName, now));
    const out: string[] = [];
    for (const { def, queueName } of watched) {
      const id = schedulerId(def.name);
      if (!overdue.get(queueName)?.has(id)) continue;
      const queue = getQueue(queueName);
      const scheduler = await queue.getJobScheduler(id);
      if (!scheduler?.next) continue; // missing scheduler: reconcile's job (it may have run out)
      const period = periodAround(def, scheduler.next);
      if (period === undefined || now <= scheduler.next + period) continue;
      // Overdue: fine while its job waits for a worker. Lost when the job is gone, and also when it
      // was already taken (active, completed, failed) yet `next` still names it: the worker creates
      // the next job right after taking this one, so that step never happened (crash, failed call).
      const state = await queue.getJobState(`repeat:${id}:${scheduler.next}`);
      if (PENDING.has(state)) continue;
      // Except after the last run of a bounded schedule: BullMQ then creates nothing and keeps the scheduler.
      if (state !== 'unknown' && ranOut(def, scheduler)) continue;
      await applySchedule(redis, def, queueName, { force: true });
      out.push(def.name);
    }
    return out;
  });
  return restored ?? [];
}
