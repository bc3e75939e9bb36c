import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { InvalidError } from '../errors';
import type { TaskRegistry } from '../registry/task-registry';
import type { CodeSchedule } from './define-schedule';
import { validateSchedule, type ScheduleDefinition } from './schedule-model';
import { readDefinition, writeDefinition } from './schedule-store';

/**
 * Check every code schedule in full before a worker starts (the CLI turns the
 * error into exit code 2): the message names the schedule and what is wrong.
 */
export function validateCodeSchedules(schedules: readonly CodeSchedule[], registry: TaskRegistry): void {
  const now = new Date();
  const seen = new Set<string>();
  for (const s of schedules) {
    if (seen.has(s.name)) throw new InvalidError(`schedule "${s.name}" is defined twice`);
    seen.add(s.name);
    if (!registry.get(s.task)) throw new InvalidError(`schedule "${s.name}": no task "${s.task}" among the worker's tasks`);
    try {
      validateSchedule({ name: s.name, task: s.task, args: s.args ?? {}, description: s.description, trigger: s.trigger, source: 'code' }, { now });
    } catch (err) {
      throw new InvalidError(`schedule "${s.name}": ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof InvalidError && err.fields)
    return Object.entries(err.fields)
      .map(([field, message]) => `${field} ${message}`)
      .join('; ');
  return err instanceof Error ? err.message : String(err);
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
export async function syncCodeSchedules(redis: RedisConnection, schedules: readonly CodeSchedule[], logger: Logger): Promise<void> {
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
