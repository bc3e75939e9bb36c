import { z } from 'zod';
import type { CatalogueEntry } from '../registry/catalogue';
import { throttleSummarySchema } from '../registry/task-throttle';
import { taskTimingSchema } from '../registry/time-limits';
import { dedupeSummarySchema } from '../registry/dedupe';
import { jobOptionsSchema, keepJobsSchema } from '../queue/job-options';
import { NO_LIMIT, taskOverrideSchema, type TaskOverride } from '../limits/task-override';

/** Where a control in force comes from: the task's code, or an admin's live override. */
export const controlSourceSchema = z.enum(['code', 'override']);
export type ControlSource = z.infer<typeof controlSourceSchema>;

/**
 * A task's controls as the console shows them: every control its code sets
 * (as the worker published it in the catalogue), the live override if any,
 * and what is in force now with where each value comes from.
 */
export const taskControlsSchema = z.object({
  task: z.string(),
  queue: z.string(),
  code: z.object({
    throttle: throttleSummarySchema.nullable().describe('Rate limit and concurrency set in code'),
    timing: taskTimingSchema.nullable().describe('Time limits, expiry, retry policy, isolation, dead letters'),
    dedupe: dedupeSummarySchema.nullable(),
    defaults: jobOptionsSchema.describe('Default job options: attempts, backoff, priority'),
    retention: z.object({ completed: keepJobsSchema, failed: keepJobsSchema }).nullable(),
  }),
  override: taskOverrideSchema.nullable().describe('The live override, with who set it and when (ms); null: none'),
  effective: z.object({
    rateLimit: z.string().nullable().describe('Starts per window in force (`5/s`); null: none'),
    rateLimitSource: controlSourceSchema,
    /** The rate is each key's budget (argument names; `["(code)"]` when computed by code). */
    rateKeyArgs: z.array(z.string()).nullable(),
    concurrency: z.number().nullable().describe('Jobs running at once across all workers; null: no limit'),
    concurrencySource: controlSourceSchema,
    perKeyConcurrency: z.number().nullable().describe('Per key, as in code'),
    paused: z.boolean(),
  }),
});
export type TaskControlsDTO = z.infer<typeof taskControlsSchema>;

/** One limit in force: the override's value (`none` lifts it) when it sets one, else the code's. */
function inForce<T>(code: T | undefined, o: T | typeof NO_LIMIT | undefined): { value: T | null; source: ControlSource } {
  if (o === undefined) return { value: code ?? null, source: 'code' };
  return { value: o === NO_LIMIT ? null : o, source: 'override' };
}

/** The DTO of a task's catalogue entry and its override. */
export function taskControlsDto(entry: CatalogueEntry, override: TaskOverride | undefined): TaskControlsDTO {
  const t = entry.throttle;
  const rate = inForce(t?.rateLimit, override?.rateLimit);
  const concurrency = inForce(t?.concurrency?.global, override?.concurrency);
  const keyArgs = t?.rateKeyArgs ?? (t?.keyByCode && t.rateLimit ? ['(code)'] : undefined);
  return {
    task: entry.name,
    queue: entry.queue,
    code: { throttle: t ?? null, timing: entry.timing ?? null, dedupe: entry.dedupe ?? null, defaults: entry.defaults, retention: entry.retention ?? null },
    override: override ?? null,
    effective: {
      rateLimit: rate.value,
      rateLimitSource: rate.source,
      rateKeyArgs: rate.value !== null && keyArgs ? keyArgs : null,
      concurrency: concurrency.value,
      concurrencySource: concurrency.source,
      perKeyConcurrency: t?.concurrency?.perKey ?? null,
      paused: override?.paused === true,
    },
  };
}

/** An override in a few words, for the audit log: `rate 2/s, concurrency 3, paused`; `none` when the code's controls hold. */
export function describeOverride(o: Pick<TaskOverride, 'rateLimit' | 'concurrency' | 'paused'> | null | undefined): string {
  if (!o) return 'none';
  const parts = [
    o.rateLimit !== undefined && `rate ${o.rateLimit}`,
    o.concurrency !== undefined && `concurrency ${o.concurrency}`,
    o.paused && 'paused',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
}
