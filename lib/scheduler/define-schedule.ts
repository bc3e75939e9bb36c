import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { validateSchedule, type ScheduleDefinition, type TriggerInput } from './schedule-model';
import { readDefinition, writeDefinition } from './schedule-store';

/** A schedule declared in code, next to the tasks (Celery's `beat_schedule`). */
export interface CodeSchedule {
  name: string;
  task: string;
  args?: Record<string, unknown>;
  description?: string;
  trigger: TriggerInput;
}

/**
 * Declare a schedule in code:
 *   defineSchedule({ name: 'nightly-report', task: 'report', cron: '0 3 * * *', tz: 'Europe/Paris' })
 *   defineSchedule({ name: 'heartbeat', task: 'hello', every: 30, unit: 'seconds' })
 * Upserted when a worker starts; shown in the console as "defined in code".
 */
export function defineSchedule(
  def: { name: string; task: string; args?: Record<string, unknown>; description?: string } & (
    { every: number; unit?: 'seconds' | 'minutes' | 'hours' | 'days'; anchor?: string; tz?: string } | { cron: string; tz?: string }
  ),
): CodeSchedule {
  const trigger: TriggerInput =
    'cron' in def
      ? { type: 'cron', expression: def.cron, tz: def.tz ?? 'UTC' }
      : { type: 'interval', every: def.every, unit: def.unit ?? 'seconds', ...(def.anchor ? { anchor: def.anchor } : {}), ...(def.tz ? { tz: def.tz } : {}) };
  // Validate now: a bad schedule in code fails at start-up, not silently later.
  validateSchedule({ name: def.name, task: def.task, args: def.args ?? {}, trigger, source: 'code' }, { now: new Date() });
  return { name: def.name, task: def.task, args: def.args, description: def.description, trigger };
}

/** Fields that come from code; everything else (enabled, history) belongs to the console. */
function sameCodeFields(a: ScheduleDefinition, b: ScheduleDefinition): boolean {
  const pick = (d: ScheduleDefinition) => JSON.stringify([d.task, d.args, d.description ?? null, d.trigger]);
  return pick(a) === pick(b);
}

/**
 * Store the code schedules as definitions: new ones are created enabled; a
 * changed one is updated but keeps its `enabled` flag, so a pause made in the
 * console survives a worker restart. A UI schedule of the same name wins (logged).
 */
export async function syncCodeSchedules(redis: Redis, schedules: readonly CodeSchedule[], logger: Logger): Promise<void> {
  for (const s of schedules) {
    const existing = await readDefinition(redis, s.name);
    if (existing && existing.source !== 'code') {
      logger.warn('a schedule created in the console has the name of a code schedule; keeping the console one', { name: s.name });
      continue;
    }
    const def = validateSchedule(
      {
        name: s.name,
        task: s.task,
        args: s.args ?? {},
        description: s.description,
        trigger: s.trigger,
        source: 'code',
        enabled: existing?.enabled ?? true,
        createdAt: existing?.createdAt,
      },
      { now: new Date() },
    );
    if (existing && sameCodeFields(existing, def)) continue;
    await writeDefinition(redis, def);
  }
}
