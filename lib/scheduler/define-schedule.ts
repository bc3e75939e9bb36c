import type { TriggerInput } from './schedule-model';

/** A schedule declared in code, next to the tasks (Celery's `beat_schedule`): it runs a task, or starts a workflow. */
export interface CodeSchedule {
  name: string;
  task?: string;
  workflow?: string;
  args?: Record<string, unknown>;
  description?: string;
  trigger: TriggerInput;
}

/**
 * Declare a schedule in code:
 *   defineSchedule({ name: 'nightly-report', task: 'report', cron: '0 3 * * *', tz: 'Europe/Paris' })
 *   defineSchedule({ name: 'heartbeat', task: 'hello', every: 30, unit: 'seconds' })
 *   defineSchedule({ name: 'hourly-crawl', workflow: 'crawl', args: { url }, cron: '0 * * * *' })
 * Upserted when a worker starts; shown in the console as "defined in code".
 * Checked in full (cron fields, time zone, start time) by validateCodeSchedules
 * when the worker loads them, so that importing a tasks module stays cheap (the
 * cron parser is the largest part of `celerity` to load) and a bad schedule still
 * stops the worker before it starts.
 */
export function defineSchedule(
  def: { name: string; args?: Record<string, unknown>; description?: string } & ({ task: string; workflow?: never } | { workflow: string; task?: never }) &
    ({ every: number; unit?: 'seconds' | 'minutes' | 'hours' | 'days'; anchor?: string; tz?: string } | { cron: string; tz?: string }),
): CodeSchedule {
  const trigger: TriggerInput =
    'cron' in def
      ? { type: 'cron', expression: def.cron, tz: def.tz ?? 'UTC' }
      : { type: 'interval', every: def.every, unit: def.unit ?? 'seconds', ...(def.anchor ? { anchor: def.anchor } : {}), ...(def.tz ? { tz: def.tz } : {}) };
  const target = def.workflow !== undefined ? { workflow: def.workflow } : { task: def.task };
  return { name: def.name, ...target, args: def.args, description: def.description, trigger };
}
