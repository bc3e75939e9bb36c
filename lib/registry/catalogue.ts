import { z } from 'zod';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import type { AnyTask } from './task-registry';
import { jobOptionsSchema, keepJobsSchema } from '../queue/job-options';
import { dedupeSummary, dedupeSummarySchema } from './dedupe';
import { throttleSummary, throttleSummarySchema } from './task-throttle';
import { taskTiming, taskTimingSchema, type TaskTiming } from './time-limits';

/**
 * The task catalogue in Redis: what workers can run. Workers publish it, the
 * console reads it — so a worker on another host shows its tasks in the UI
 * without the console ever importing task code.
 */
export const catalogueEntrySchema = z.object({
  name: z.string(),
  description: z.string(),
  queue: z.string(),
  /** JSON Schema (draft 2020-12) of the arguments, produced from the task's zod schema. */
  argsSchema: z.record(z.string(), z.unknown()),
  defaults: jobOptionsSchema,
  /** How long finished jobs are kept (absent in entries published before retention existed: the defaults apply). */
  retention: z.object({ completed: keepJobsSchema, failed: keepJobsSchema }).optional(),
  /** Its deduplication (lib/registry/dedupe.ts), if any: the console applies a key made of argument names to its own runs. */
  dedupe: dedupeSummarySchema.optional(),
  /** How long (ms) an idempotency key holds for its jobs (absent in older entries: the default). */
  idempotencyTtl: z.number().optional(),
  /** Its rate limit and concurrency (lib/registry/task-throttle.ts), if any. */
  throttle: throttleSummarySchema.optional(),
  /** Its time limits, expiry, retry policy and isolation (lib/registry/time-limits.ts), if any. */
  timing: taskTimingSchema.optional(),
  publishedAt: z.number(),
  publishedBy: z.string(),
});
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

/** JSON Schema for a task's arguments as a form should see them (input side: defaults make fields optional). */
export function argsJsonSchema(task: AnyTask): Record<string, unknown> {
  return z.toJSONSchema(task.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Write these tasks into the catalogue (one HSET). */
export async function publishCatalogue(redis: RedisConnection, tasks: readonly AnyTask[], workerId: string): Promise<void> {
  if (tasks.length === 0) return;
  const now = Date.now();
  const fields: string[] = [];
  for (const t of tasks) {
    const entry: CatalogueEntry = {
      name: t.name,
      description: t.description,
      queue: t.queue,
      argsSchema: argsJsonSchema(t),
      defaults: jobOptionsSchema.parse(t.defaults),
      retention: t.retention,
      ...(t.dedupe ? { dedupe: dedupeSummary(t.dedupe) } : {}),
      idempotencyTtl: t.idempotencyTtl,
      ...(t.throttle ? { throttle: throttleSummary(t.throttle) } : {}),
      ...timingOf(t),
      publishedAt: now,
      publishedBy: workerId,
    };
    fields.push(t.name, JSON.stringify(entry));
  }
  const keys = celerityKeys();
  await redis
    .multi()
    .hset(keys.tasks, ...fields)
    .sadd(keys.queues, ...new Set(tasks.map((t) => t.queue)))
    .exec();
}

function timingOf(t: AnyTask): { timing?: TaskTiming } {
  const timing = taskTiming(t);
  return timing ? { timing } : {};
}

/** Every catalogue entry, sorted by name. Entries that fail to parse are skipped, not fatal. */
export async function readCatalogue(redis: RedisConnection): Promise<CatalogueEntry[]> {
  const raw = await redis.hgetall(celerityKeys().tasks);
  const out: CatalogueEntry[] = [];
  for (const json of Object.values(raw)) {
    try {
      const parsed = catalogueEntrySchema.safeParse(JSON.parse(json));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // A corrupt entry must not hide the others.
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One catalogue entry, or undefined. */
export async function readCatalogueEntry(redis: RedisConnection, name: string): Promise<CatalogueEntry | undefined> {
  const json = await redis.hget(celerityKeys().tasks, name);
  if (!json) return undefined;
  try {
    const parsed = catalogueEntrySchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
