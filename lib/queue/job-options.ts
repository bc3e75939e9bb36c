import { z } from 'zod';

/**
 * Options a caller may set on a job. A deliberately small, validated subset of
 * BullMQ's JobsOptions: everything here is safe to accept from the console's forms.
 */
export const jobOptionsSchema = z
  .object({
    delay: z.number().int().min(0).max(365 * 24 * 3600 * 1000).optional().describe('Delay before the job may run, in ms'),
    attempts: z.number().int().min(1).max(100).optional().describe('Tries in all, including the first'),
    priority: z.number().int().min(0).max(2_097_152).optional().describe('0 = none; 1 runs first, higher numbers later'),
    backoff: z
      .object({
        type: z.enum(['fixed', 'exponential']),
        delay: z.number().int().min(0).max(24 * 3600 * 1000),
      })
      .strict()
      .optional(),
  })
  .strict();

export type JobOptionsInput = z.input<typeof jobOptionsSchema>;
export type JobOptions = z.output<typeof jobOptionsSchema>;

/** How long finished jobs are kept unless a task says otherwise (Redis must not grow without bound). */
export const DEFAULT_RETENTION = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
} as const;
