import { z } from 'zod';

/**
 * The shapes of held jobs (held back by their tasks' limits) that leave the
 * server: zod only, so the live contract (read in the browser) can parse them.
 */

/** Why a job is held back by its task's limits, as the queue and job pages show it. */
export const heldDtoSchema = z.object({
  reason: z.enum(['rate', 'concurrency', 'paused']),
  /** The task's budget or one key's; null when the gate did not say. */
  scope: z.enum(['task', 'key']).nullable(),
  /** The key value, for a per-key budget, when known. */
  key: z.string().nullable(),
  /** The limit in force: "5/s", "2 running"; null when the gate did not say. */
  limit: z.string().nullable(),
  /** When it may run (a rate's slot), or look again (a concurrency slot, a paused task). */
  until: z.number(),
  /** First held in this wait, and how many times in a row (null: not recorded). */
  since: z.number().nullable(),
  holds: z.number().nullable(),
  /** "rate limit 5/s", "concurrency limit 2 running per key", "task paused". */
  label: z.string(),
});
export type HeldDTO = z.infer<typeof heldDtoSchema>;

/** Held jobs of one task for one reason and limit: "report: rate limit 5/s — 12 jobs, the first may run at …". */
export const heldGroupSchema = z.object({
  task: z.string(),
  reason: heldDtoSchema.shape.reason,
  label: z.string(),
  count: z.number().int().min(1),
  /** The earliest time one of them may run (or look again). */
  nextAt: z.number(),
});
export type HeldGroupDTO = z.infer<typeof heldGroupSchema>;

/** A queue's jobs held back by their tasks' limits, by task and reason. */
export const heldSummarySchema = z.object({
  total: z.number().int().min(0),
  groups: z.array(heldGroupSchema),
  /** False when the queue has more waiting jobs than were looked at: `total` is then a lower bound. */
  complete: z.boolean(),
});
export type HeldSummaryDTO = z.infer<typeof heldSummarySchema>;
