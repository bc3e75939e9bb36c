import { getRedis } from '../redis';
import { NotFoundError } from '../errors';
import { readCatalogueEntry, type CatalogueEntry } from '../registry/catalogue';
import { getQueue } from '../queue/queue-registry';
import { taskControlsDto, type TaskControlsDTO } from '../data/task-controls-dto';
import { normaliseLimits, type OverrideLimitsInput, type TaskOverride } from './task-override';
import { readOverride, saveOverride } from './override-store';
import { releaseHeld } from './paused-hold';
import { OVERRIDES_REFRESH_MS } from './live-overrides';

/**
 * The console's side of live task controls: read a task's controls, change
 * its limits, pause or resume it. Each change is stored, announced to every
 * worker (lib/limits/override-store.ts), and the jobs it held back are
 * promoted so they meet the new controls at once (lib/limits/paused-hold.ts).
 */

async function entryOf(name: string): Promise<CatalogueEntry> {
  const entry = await readCatalogueEntry(getRedis(), name);
  if (!entry) throw new NotFoundError(`Task "${name}" not found`);
  return entry;
}

/** A task's controls: from code, its override, and what is in force. NotFoundError for a task not in the catalogue. */
export async function getTaskControls(name: string): Promise<TaskControlsDTO> {
  const [entry, override] = await Promise.all([entryOf(name), readOverride(getRedis(), name)]);
  return taskControlsDto(entry, override);
}

/** The override a task has now, for the audit log's "before" (undefined: none). */
export function currentOverride(name: string): Promise<TaskOverride | undefined> {
  return readOverride(getRedis(), name);
}

/**
 * Promote what the change held back, now and once more when every worker has
 * surely re-read the overrides (a job taken meanwhile by a worker that had not
 * yet heard of the change was held again under the old controls).
 */
async function release(entry: CatalogueEntry, what: { paused: boolean; limits: boolean }): Promise<void> {
  if (!what.paused && !what.limits) return;
  const run = () => releaseHeld(getRedis(), getQueue(entry.queue), entry.queue, entry.name, what);
  await run();
  setTimeout(() => void run().catch(() => {}), OVERRIDES_REFRESH_MS + 200).unref();
}

async function change(
  name: string,
  actor: string,
  next: (before: TaskOverride | undefined) => Omit<TaskOverride, 'setBy' | 'setAt'>,
): Promise<TaskControlsDTO> {
  const redis = getRedis();
  const entry = await entryOf(name);
  const before = await readOverride(redis, name);
  const after: TaskOverride = { ...next(before), setBy: actor, setAt: Date.now() };
  await saveOverride(redis, name, after);
  const limits = before?.rateLimit !== after.rateLimit || before?.concurrency !== after.concurrency;
  await release(entry, { paused: before?.paused === true && !after.paused, limits });
  return taskControlsDto(entry, (await readOverride(redis, name)) ?? undefined);
}

/** Hold these limits from now on (a limit left out follows the code again); the pause stays as it is. */
export function setTaskLimits(name: string, input: OverrideLimitsInput, actor: string): Promise<TaskControlsDTO> {
  return change(name, actor, (before) => ({ ...normaliseLimits(input), ...(before?.paused ? { paused: true } : {}) }));
}

/** Back to the code's controls: the limits and the pause are lifted. */
export function clearTaskOverride(name: string, actor: string): Promise<TaskControlsDTO> {
  return change(name, actor, () => ({}));
}

/** Pause (its jobs are held, other tasks keep running) or resume a task; its limits stay as they are. */
export function setTaskPaused(name: string, paused: boolean, actor: string): Promise<TaskControlsDTO> {
  return change(name, actor, (before) => ({
    ...(before?.rateLimit !== undefined ? { rateLimit: before.rateLimit } : {}),
    ...(before?.concurrency !== undefined ? { concurrency: before.concurrency } : {}),
    ...(paused ? { paused: true } : {}),
  }));
}
