import type { RedisConnection } from '../redis';
import { z } from 'zod';
import { getRedis } from '../redis';
import { getQueue, discoverQueues } from '../queue/queue-registry';
import { readCatalogueEntry, type CatalogueEntry } from '../registry/catalogue';
import { validateTaskArgs } from '../queue/run-task';
import { addTaskJob, type EnqueuedJob } from '../queue/add-task-job';
import { ConflictError, InvalidError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import {
  validateSchedule,
  scheduleBodySchema,
  scheduleReplaceBodySchema,
  scheduleTarget,
  triggerSchema,
  type ScheduleDefinition,
  type ScheduleTarget,
} from './schedule-model';
import { readTargetQueue, readTargetQueues } from './target-queues';
import { readWorkflowDefinition } from '../workflows/workflow-catalogue';
import { START_JOB_RETENTION, validateWorkflowArgs } from '../workflows/request-run';
import { START_JOB } from '../workflows/flow-build';
import { applySchedule, scheduleQueue, unapply, withLock } from './schedule-apply';
import { readDefinition, readDefinitions, removeDefinition, writeDefinition } from './schedule-store';
import { manualRunJobId, nameFromSchedulerId, schedulerId } from './schedule-jobs';
import { nextRuns } from './next-runs';
import { describeTrigger } from './describe-trigger';

/**
 * What the API and the UI do with schedules: create, replace, patch, delete,
 * run now, preview. Every write validates everything first (shape, task or
 * workflow, arguments against its schema) and only then touches Redis, so bad
 * input never changes a running schedule.
 */

async function taskEntry(task: string): Promise<CatalogueEntry> {
  const entry = await readCatalogueEntry(getRedis(), task);
  if (!entry) throw new InvalidError(`task: Unknown task "${task}"`, 'task', { task: `Unknown task "${task}"` });
  return entry;
}

/** A schedule's target as the catalogues publish it: its queue, and the check of its arguments. */
interface TargetEntry {
  queue: string;
  checkArgs(args: unknown): void;
  entry?: CatalogueEntry;
}

async function targetEntry(target: ScheduleTarget): Promise<TargetEntry> {
  if (target.kind === 'task') {
    const entry = await taskEntry(target.name);
    return { queue: entry.queue, checkArgs: (args) => validateTaskArgs(entry, args), entry };
  }
  const wf = await readWorkflowDefinition(getRedis(), target.name);
  if (!wf) {
    const message = `Unknown workflow "${target.name}" (no worker has published it)`;
    throw new InvalidError(`workflow: ${message}`, 'workflow', { workflow: message });
  }
  return { queue: wf.queue, checkArgs: (args) => validateWorkflowArgs(wf, args) };
}

/** The target's and the arguments' problems as fields (empty when both are fine). */
async function targetAndArgsProblems(target: ScheduleTarget, args: unknown): Promise<Record<string, string>> {
  try {
    (await targetEntry(target)).checkArgs(args);
    return {};
  } catch (err) {
    return err instanceof InvalidError ? (err.fields ?? (err.field ? { [err.field]: err.message } : {})) : {};
  }
}

/**
 * Validate a client's body (`body`: the schema the API documents for it), then
 * the schedule it makes with the console's own fields (`fill`) against the
 * model and the task catalogue.
 */
async function validateFull(
  input: unknown,
  { body, fill, existing }: { body: z.ZodType; fill: Record<string, unknown>; existing?: ScheduleDefinition },
): Promise<{ def: ScheduleDefinition; queue: string }> {
  const now = new Date();
  const allowPastOneOff =
    existing?.trigger.type === 'once' &&
    typeof input === 'object' &&
    input !== null &&
    JSON.stringify((input as { trigger?: unknown }).trigger) === JSON.stringify(existing.trigger);
  let def: ScheduleDefinition;
  try {
    parseOrThrow(body, input);
    def = validateSchedule({ ...(input as object), ...fill }, { now, allowPastOneOff });
  } catch (err) {
    // Report the target and argument problems in the same 400 as the model's, so a form shows them all at once.
    if (!(err instanceof InvalidError)) throw err;
    const raw = (typeof input === 'object' && input !== null ? input : {}) as { task?: unknown; workflow?: unknown; args?: unknown };
    const target: ScheduleTarget | undefined =
      typeof raw.workflow === 'string' ? { kind: 'workflow', name: raw.workflow } : typeof raw.task === 'string' ? { kind: 'task', name: raw.task } : undefined;
    const extra = target ? await targetAndArgsProblems(target, raw.args ?? {}) : {};
    throw new InvalidError(err.message, err.field, { ...extra, ...err.fields });
  }
  const entry = await targetEntry(scheduleTarget(def));
  entry.checkArgs(def.args);
  return { def, queue: scheduleQueue(def, entry.queue) };
}

/** Create a schedule; 409 when the name is taken. */
export async function createSchedule(input: unknown): Promise<ScheduleDefinition> {
  const redis = getRedis();
  const { def, queue } = await validateFull(input, { body: scheduleBodySchema, fill: { source: 'ui' } });
  if (!(await writeDefinition(redis, def, true))) {
    throw new ConflictError(`A schedule named "${def.name}" already exists`);
  }
  try {
    await applySchedule(redis, def, queue);
  } catch (err) {
    await removeDefinition(redis, def.name);
    throw err;
  }
  return def;
}

/** Replace a schedule (PUT). Its name cannot change; code-defined schedules are edited in code. */
export async function replaceSchedule(name: string, input: unknown): Promise<ScheduleDefinition> {
  const redis = getRedis();
  const prev = await requireSchedule(name);
  if (prev.source === 'code') throw new ConflictError(`"${name}" is defined in code: change it in the schedules of the worker's tasks module`);
  const body = { ...(input as object) } as Record<string, unknown>;
  if (body.name !== undefined && body.name !== name) throw new InvalidError('name: A schedule cannot be renamed; duplicate it instead', 'name');
  const { def, queue } = await validateFull(input, {
    body: scheduleReplaceBodySchema,
    fill: { name, source: prev.source, createdAt: prev.createdAt, updatedAt: undefined },
    existing: prev,
  });
  const prevQueue = scheduleQueue(prev, await readTargetQueue(redis, prev));
  await writeDefinition(redis, def);
  try {
    await applySchedule(redis, def, queue, { prev, prevQueue });
  } catch (err) {
    // Put the old schedule back as it was: an edit that fails leaves the old one running.
    await writeDefinition(redis, prev);
    await applySchedule(redis, prev, prevQueue, { force: true }).catch(() => {});
    throw err;
  }
  return def;
}

/** Body of PATCH /api/v1/schedules/{name}. */
export const schedulePatchSchema = z
  .object({
    enabled: z.boolean().optional(),
    description: z.string().max(2000).optional(),
    catchUp: z.boolean().optional(),
  })
  .strict();

/** Change a few fields (PATCH): enabled, description, catchUp. Code-defined schedules may be paused and resumed. */
export async function patchSchedule(name: string, input: unknown): Promise<ScheduleDefinition> {
  const redis = getRedis();
  const prev = await requireSchedule(name);
  const patch = parseOrThrow(schedulePatchSchema, input);
  if (prev.source === 'code' && (patch.description !== undefined || patch.catchUp !== undefined)) {
    throw new ConflictError(`"${name}" is defined in code: only pausing and resuming are possible here`);
  }
  const def: ScheduleDefinition = { ...prev, ...patch, updatedAt: new Date().toISOString() };
  const queue = scheduleQueue(def, await readTargetQueue(redis, def));
  await writeDefinition(redis, def);
  await applySchedule(redis, def, queue, { prev, prevQueue: queue });
  return def;
}

/** Delete a schedule and its BullMQ scheduler (or pending one-off). */
export async function deleteSchedule(name: string): Promise<void> {
  const redis = getRedis();
  const def = await requireSchedule(name);
  if (def.source === 'code')
    throw new ConflictError(`"${name}" is defined in code: remove it from the schedules of the worker's tasks module (you can pause it here)`);
  const queue = scheduleQueue(def, await readTargetQueue(redis, def));
  await unapply(def, getQueue(queue));
  await removeDefinition(redis, name);
}

/** Run a schedule's task (or start its workflow) now, as a job attributed to the schedule. */
export async function runScheduleNow(name: string): Promise<EnqueuedJob> {
  const def = await requireSchedule(name);
  const target = await targetEntry(scheduleTarget(def));
  target.checkArgs(def.args);
  const queue = scheduleQueue(def, target.queue);
  const jobId = manualRunJobId(name, Date.now());
  if (!target.entry) {
    // A workflow: its start job, whose run the worker records (lib/workflows/step-hooks.ts).
    const job = await getQueue(queue).add(START_JOB, { workflow: def.workflow, args: def.args }, { jobId, ...START_JOB_RETENTION });
    return { queue, id: job.id ?? jobId };
  }
  return addTaskJob({
    queue,
    task: target.entry.name,
    args: def.args,
    options: def.options,
    defaults: target.entry.defaults,
    retention: target.entry.retention,
    jobId,
  });
}

/** The definition, or NotFoundError. */
export async function requireSchedule(name: string): Promise<ScheduleDefinition> {
  const def = await readDefinition(getRedis(), name);
  if (!def) throw new NotFoundError(`Schedule "${name}" not found`);
  return def;
}

/**
 * Preview a trigger: its words and next runs, or InvalidError with the field
 * (`trigger.<field>`). `schedule` is the name it will be saved under (an
 * unanchored interval's phase comes from it).
 */
export function previewTrigger(
  trigger: unknown,
  { schedule = '', count = 5, now = new Date() }: { schedule?: string; count?: number; now?: Date } = {},
): { words: string; runs: string[] } {
  const t = parseOrThrow(triggerSchema, trigger, 'trigger');
  // The same checks as saving (one-off in the past, end date passed), via the full model.
  validateSchedule({ name: 'preview', task: 'preview', trigger }, { now });
  return { words: describeTrigger(t), runs: nextRuns(t, { schedule, from: now, count }).map((d) => d.toISOString()) };
}

/**
 * Bring BullMQ in line with the stored definitions (worker and console start).
 * Upserts only what changed; under a lock so that processes starting together
 * do not race. Returns what it did.
 */
export async function reconcileSchedules(redis: RedisConnection = getRedis()): Promise<{ applied: string[]; unchanged: number }> {
  const result = await withLock(
    redis,
    'reconcile',
    30_000,
    async () => {
      const [defs, targetQueue] = await Promise.all([readDefinitions(redis), readTargetQueues(redis)]);
      const applied: string[] = [];
      let unchanged = 0;
      for (const def of defs) {
        const r = await applySchedule(redis, def, scheduleQueue(def, targetQueue(def)));
        if (r.action === 'unchanged') unchanged++;
        else applied.push(def.name);
      }
      return { applied, unchanged };
    },
    15_000,
  );
  return result ?? { applied: [], unchanged: 0 };
}

/** A BullMQ job scheduler with no schedule definition: shown as orphan, removed only on request. */
export interface OrphanDTO {
  queue: string;
  id: string;
  task: string;
  pattern: string | null;
  everyMs: number | null;
  tz: string | null;
  next: number | null;
}

/** Job schedulers in any queue under the prefix that no definition accounts for. */
export async function listOrphans(defs?: ScheduleDefinition[]): Promise<OrphanDTO[]> {
  const redis = getRedis();
  const all = defs ?? (await readDefinitions(redis));
  const targetQueue = await readTargetQueues(redis);
  const expected = new Set(all.filter((d) => d.trigger.type !== 'once').map((d) => `${scheduleQueue(d, targetQueue(d))}\u0000${schedulerId(d.name)}`));
  const out: OrphanDTO[] = [];
  for (const queue of await discoverQueues()) {
    for (const s of await getQueue(queue).getJobSchedulers(0, -1, true)) {
      if (expected.has(`${queue}\u0000${s.key}`)) continue;
      out.push({
        queue,
        id: s.key,
        task: s.name,
        pattern: s.pattern ?? null,
        everyMs: s.every ? Number(s.every) : null,
        tz: s.tz ?? null,
        next: s.next ?? null,
      });
    }
  }
  return out;
}

/** Remove an orphan scheduler (never one that a definition owns). */
export async function removeOrphan(queue: string, id: string): Promise<void> {
  const orphans = await listOrphans();
  if (!orphans.some((o) => o.queue === queue && o.id === id)) {
    const name = nameFromSchedulerId(id);
    throw new NotFoundError(`No orphan scheduler "${id}" in queue "${queue}"${name && name !== id ? ` (schedule "${name}")` : ''}`);
  }
  await getQueue(queue).removeJobScheduler(id);
}
