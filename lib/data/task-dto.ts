import { getRedis } from '../redis';
import { readCatalogue, readCatalogueEntry, type CatalogueEntry } from '../registry/catalogue';
import { readHeartbeats } from '../worker/heartbeat';
import { NotFoundError } from '../errors';

/** A task as the console shows it: the catalogue entry plus how many live workers run it. */
export interface TaskDTO extends CatalogueEntry {
  /** Live workers that run this task on its queue right now. */
  workers: number;
}

/** Every task in the catalogue with its live worker count. */
export async function listTaskDtos(): Promise<TaskDTO[]> {
  const redis = getRedis();
  const [entries, { alive }] = await Promise.all([readCatalogue(redis), readHeartbeats(redis)]);
  return entries.map((e) => ({ ...e, workers: alive.filter((w) => w.tasks.includes(e.name) && w.queues.includes(e.queue)).length }));
}

/** One task, or NotFoundError. */
export async function getTaskDto(name: string): Promise<TaskDTO> {
  const redis = getRedis();
  const entry = await readCatalogueEntry(redis, name);
  if (!entry) throw new NotFoundError(`Task "${name}" not found`);
  const { alive } = await readHeartbeats(redis);
  return { ...entry, workers: alive.filter((w) => w.tasks.includes(name) && w.queues.includes(entry.queue)).length };
}
