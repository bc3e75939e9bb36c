import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis';
import type { Queue } from 'bullmq';
import { getQueue } from '../queue/queue-registry';
import { retentionOptions, type Retention } from '../queue/job-options';
import { JOB_TIME_KEY, type JobTimeOptions } from '../registry/time-limits';
import { readCatalogueEntry } from '../registry/catalogue';
import { celerityKeys } from '../keys';
import { scheduleTarget, type ScheduleDefinition } from './schedule-model';
import { START_JOB } from '../workflows/flow-build';
import { START_JOB_RETENTION } from '../workflows/request-run';
import { triggerToRepeat, oneOffJob } from './trigger-to-repeat';
import { schedulerId } from './schedule-jobs';
import { readState, writeState } from './schedule-store';

/**
 * Make BullMQ match a schedule definition: a job scheduler for interval and
 * cron triggers, a delayed job with a deterministic id for a one-off, nothing
 * for a disabled schedule. Idempotent; re-upserts only when something changed
 * (re-upserting an unchanged cron scheduler can drop a due slot: FACTS.md).
 */

/** The queue a schedule's runs go to. */
export function scheduleQueue(def: ScheduleDefinition, taskQueue: string | undefined): string {
  return def.queue ?? taskQueue ?? 'default';
}

/** What BullMQ must reflect; a change of any of these means re-applying. */
export function appliedHash(def: ScheduleDefinition, queue: string): string {
  // `workflow` only when set: the hash of every task schedule stays what it was (a changed hash re-upserts).
  const relevant = {
    queue,
    task: def.task,
    ...(def.workflow !== undefined ? { workflow: def.workflow } : {}),
    args: def.args,
    options: def.options,
    trigger: def.trigger,
    enabled: def.enabled,
  };
  return createHash('sha1').update(JSON.stringify(relevant)).digest('hex');
}

/**
 * The job of each run. A workflow's is a start job (`{ workflow, args }`, no run id): the
 * worker records a run for it and builds the plan, as for the console's Run
 * (lib/workflows/step-hooks.ts).
 */
function template(def: ScheduleDefinition, retention?: Retention) {
  const o = def.options;
  const workflow = def.workflow;
  return {
    name: workflow !== undefined ? START_JOB : def.task!,
    data: workflow !== undefined ? { workflow, args: def.args } : def.args,
    opts: {
      // The task's own retention (catalogue), like any job of the task; a start job's is the console's.
      ...(workflow !== undefined ? START_JOB_RETENTION : retentionOptions(retention)),
      ...(o.attempts ? { attempts: o.attempts } : {}),
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.priority ? { priority: o.priority } : {}),
      // Time limits of each run (lib/registry/time-limits.ts), as a call's would be.
      ...(o.timeLimit !== undefined || o.softTimeLimit !== undefined
        ? { [JOB_TIME_KEY]: { timeLimit: o.timeLimit, softTimeLimit: o.softTimeLimit } satisfies JobTimeOptions }
        : {}),
    },
  };
}

/** Remove whatever BullMQ holds for a schedule (scheduler, or pending one-off job) in a queue. */
export async function unapply(def: ScheduleDefinition, queue: Queue): Promise<void> {
  if (def.trigger.type === 'once') {
    const { jobId } = oneOffJob(def.name, def.trigger);
    const job = await queue.getJob(jobId);
    // Only a one-off that has not started yet is withdrawn; a finished one stays as history.
    if (job && (await job.isDelayed())) await job.remove();
  } else {
    await queue.removeJobScheduler(schedulerId(def.name));
  }
}

export interface ApplyResult {
  /** What was done, for logs and tests. */
  action: 'unchanged' | 'upserted' | 'removed' | 'added-one-off' | 'finished';
}

/**
 * Apply a definition. `prev` is what was applied before (an edit); when its
 * queue or trigger type differs, the old scheduler or job is removed first.
 * `force` re-applies even when the stored hash says nothing changed (watchdog).
 */
export async function applySchedule(
  redis: RedisConnection,
  def: ScheduleDefinition,
  queueName: string,
  { prev, prevQueue, force = false }: { prev?: ScheduleDefinition; prevQueue?: string; force?: boolean } = {},
): Promise<ApplyResult> {
  const queue = getQueue(queueName);
  const hash = appliedHash(def, queueName);
  const state = await readState(redis, def.name);
  const id = schedulerId(def.name);
  const oldQueue = prevQueue ?? queueName;

  if (prev && (oldQueue !== queueName || prev.trigger.type !== def.trigger.type || prev.trigger.type === 'once')) {
    await unapply(prev, getQueue(oldQueue));
  }

  if (!def.enabled) {
    if (state.appliedHash === hash && !force) return { action: 'unchanged' };
    await unapply(def, queue);
    await writeState(redis, def.name, { appliedHash: hash, enabledAt: null });
    return { action: 'removed' };
  }
  const enabledAt = state.enabledAt ?? Date.now();
  const target = scheduleTarget(def);
  const retention = target.kind === 'task' ? (await readCatalogueEntry(redis, target.name))?.retention : undefined;

  if (def.trigger.type === 'once') {
    const { jobId, delayUntil } = oneOffJob(def.name, def.trigger);
    // Ran already at this very time: never add it again (its job may be gone by retention).
    const ranAlready = state.doneAt !== null && state.onceJobId === jobId;
    const existing = ranAlready ? undefined : await queue.getJob(jobId);
    if (!ranAlready && !existing) {
      const job = template(def, retention);
      await queue.add(job.name, job.data, { ...job.opts, jobId, delay: Math.max(0, delayUntil - Date.now()) });
    }
    await writeState(redis, def.name, { appliedHash: hash, enabledAt, onceJobId: jobId, doneAt: ranAlready ? state.doneAt : null });
    return { action: ranAlready || existing ? 'unchanged' : 'added-one-off' };
  }

  const existing = await queue.getJobScheduler(id);
  if (existing && state.appliedHash === hash && !force) return { action: 'unchanged' };

  const triggerChanged = !prev || JSON.stringify(prev.trigger) !== JSON.stringify(def.trigger) || oldQueue !== queueName;
  const now = Date.now();
  const repeat = triggerToRepeat(def.trigger, {
    schedule: def.name,
    now,
    scheduledNext: !triggerChanged && existing?.next ? existing.next : undefined,
    runsSoFar: def.trigger.limit !== undefined ? state.scheduledRuns : undefined,
  });
  if (!repeat) {
    if (existing) await queue.removeJobScheduler(id);
    await writeState(redis, def.name, { appliedHash: hash, enabledAt, doneAt: state.doneAt ?? now });
    return { action: 'finished' };
  }
  // A changed trigger must drop the pending slot: an upsert with the same `every` would keep it.
  if (existing && triggerChanged) await queue.removeJobScheduler(id);
  await queue.upsertJobScheduler(id, repeat, template(def, retention));
  await writeState(redis, def.name, { appliedHash: hash, enabledAt, doneAt: null });
  return { action: 'upserted' };
}

/**
 * Run `fn` while holding a Redis lock (SET NX PX), so that two workers or
 * consoles starting together do not reconcile at the same time. Waits up to
 * `waitMs` for the lock; returns undefined if it never got it.
 */
export async function withLock<T>(redis: RedisConnection, what: string, ttlMs: number, fn: () => Promise<T>, waitMs = 0): Promise<T | undefined> {
  const key = celerityKeys().lock(what);
  const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    // Release only our own lock (it may have expired and been taken by another process).
    await redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, token);
  }
}
