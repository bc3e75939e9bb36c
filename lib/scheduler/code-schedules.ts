import type { z } from 'zod';
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
    checkCodeTarget(s, registry);
    try {
      validateSchedule({ name: s.name, ...codeTarget(s), args: s.args ?? {}, description: s.description, trigger: s.trigger, source: 'code' }, { now });
    } catch (err) {
      throw new InvalidError(`schedule "${s.name}": ${describe(err)}`);
    }
  }
}

/** The task (or workflow) must be the worker's own; a workflow's arguments are checked against its schema here. */
function checkCodeTarget(s: CodeSchedule, registry: TaskRegistry): void {
  if (s.workflow !== undefined) {
    const workflow = registry.workflow?.(s.workflow);
    if (!workflow) throw new InvalidError(`schedule "${s.name}": no workflow "${s.workflow}" among the worker's workflows`);
    const parsed = (workflow.schema as z.ZodType).safeParse(s.args ?? {});
    if (!parsed.success)
      throw new InvalidError(`schedule "${s.name}": ${parsed.error.issues.map((i) => `args.${i.path.map(String).join('.')} ${i.message}`).join('; ')}`);
  } else if (!s.task || !registry.get(s.task)) throw new InvalidError(`schedule "${s.name}": no task "${s.task ?? ''}" among the worker's tasks`);
}

/** The target fields of a code schedule as the model stores them. */
function codeTarget(s: CodeSchedule): { task: string } | { workflow: string } {
  return s.workflow !== undefined ? { workflow: s.workflow } : { task: s.task ?? '' };
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
  const pick = (d: ScheduleDefinition) => JSON.stringify([d.task, d.args, d.description ?? null, d.trigger, d.workflow ?? null]);
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
        ...codeTarget(s),
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
