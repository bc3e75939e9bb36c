import { z } from 'zod';
import { expiresSchema, timeLimitSchema } from '../registry/time-limits';

/**
 * Options a caller may set on a job. A deliberately small, validated subset of
 * BullMQ's JobsOptions: everything here is safe to accept from the console's forms.
 */
export const jobOptionsSchema = z
  .object({
    delay: z
      .number()
      .int()
      .min(0)
      .max(365 * 24 * 3600 * 1000)
      .optional()
      .describe('Delay before the job may run, in ms'),
    attempts: z.number().int().min(1).max(100).optional().describe('Tries in all, including the first'),
    priority: z.number().int().min(0).max(2_097_152).optional().describe('0 = none; 1 runs first, higher numbers later'),
    backoff: z
      .object({
        type: z.enum(['fixed', 'exponential']),
        delay: z
          .number()
          .int()
          .min(0)
          .max(24 * 3600 * 1000),
        jitter: z.number().min(0).max(1).optional().describe('Spread each retry delay over [delay × (1 − jitter), delay] (0–1)'),
      })
      .strict()
      .optional(),
    timeLimit: timeLimitSchema.optional().describe('Hard time limit of each attempt, in ms: the attempt fails with TimeLimitExceeded'),
    softTimeLimit: timeLimitSchema.optional().describe("Soft time limit of each attempt, in ms: the handler's signal aborts with TimeLimitExceeded"),
    expires: expiresSchema.optional().describe('Not run unless started by then: ms after enqueue, or an ISO date'),
  })
  .strict();

export type JobOptionsInput = z.input<typeof jobOptionsSchema>;
export type JobOptions = z.output<typeof jobOptionsSchema>;

/**
 * How long finished jobs are kept unless a task says otherwise (Redis must not grow without bound): what
 * every Celerity worker applies to a job whose options name no retention (BullMQ's worker-level options).
 */
export const DEFAULT_RETENTION = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
} as const;

/**
 * How many finished jobs of one kind to keep: those younger than `age`
 * SECONDS (BullMQ's unit for retention) and at most `count` of them. A job
 * is removed when it breaks either limit; leave one out to use only the other.
 */
export const keepJobsSchema = z
  .object({
    age: z
      .number()
      .int()
      .min(1)
      .max(10 * 365 * 24 * 3600)
      .optional()
      .describe('Seconds a finished job is kept'),
    count: z.number().int().min(0).max(100_000_000).optional().describe('Most recent finished jobs kept'),
  })
  .strict()
  .refine((k) => k.age !== undefined || k.count !== undefined, 'give age, count or both');
export type KeepJobs = z.output<typeof keepJobsSchema>;

/**
 * A task's retention: how long its completed and failed jobs stay in Redis.
 * Each kind given replaces that kind's default as a whole (so
 * `{ completed: { count: 100 } }` keeps the last 100 completed jobs whatever
 * their age); a kind left out keeps {@link DEFAULT_RETENTION}.
 */
export const retentionSchema = z
  .object({
    completed: keepJobsSchema.optional(),
    failed: keepJobsSchema.optional(),
  })
  .strict();
export type RetentionInput = z.input<typeof retentionSchema>;

/** Retention with both kinds decided: what the catalogue publishes and the queue page shows. */
export interface Retention {
  completed: KeepJobs;
  failed: KeepJobs;
}

/** The defaults, as a {@link Retention}. */
export const DEFAULT_TASK_RETENTION: Retention = {
  completed: { ...DEFAULT_RETENTION.removeOnComplete },
  failed: { ...DEFAULT_RETENTION.removeOnFail },
};

/** A task's retention with the defaults filled in (throws on an invalid one: it is a programming error). */
export function resolveRetention(input?: RetentionInput): Retention {
  const r = retentionSchema.parse(input ?? {});
  return {
    completed: r.completed ?? { ...DEFAULT_TASK_RETENTION.completed },
    failed: r.failed ?? { ...DEFAULT_TASK_RETENTION.failed },
  };
}

const sameKeep = (a: KeepJobs, b: KeepJobs) => a.age === b.age && a.count === b.count;

/**
 * BullMQ's job options for a retention: only the kinds that differ from the
 * default. A Celerity worker applies the default to a job that names none
 * ({@link DEFAULT_RETENTION}), so most jobs carry no retention at all: it cost
 * a bulk add an eighth of its time (BullMQ packs the options, and its Lua
 * unpacks them and stores them as JSON in the job). Every way a job finishes
 * goes through a worker's completing or failing call (BullMQ 6 fails a job
 * stalled too often as a worker takes it again), which applies the job's
 * limits, or else its worker's, to the finished set.
 */
export function retentionOptions(r: Retention = DEFAULT_TASK_RETENTION): { removeOnComplete?: BullKeepJobs; removeOnFail?: BullKeepJobs } {
  const opts: { removeOnComplete?: BullKeepJobs; removeOnFail?: BullKeepJobs } = {};
  if (!sameKeep(r.completed, DEFAULT_TASK_RETENTION.completed)) opts.removeOnComplete = toBullKeep(r.completed);
  if (!sameKeep(r.failed, DEFAULT_TASK_RETENTION.failed)) opts.removeOnFail = toBullKeep(r.failed);
  return opts;
}

/** BullMQ's KeepJobs type wants at least one of the two set (the schema's refine ensures it). */
type BullKeepJobs = { age: number; count?: number } | { age?: number; count: number };
function toBullKeep(k: KeepJobs): BullKeepJobs {
  if (k.age !== undefined) return k.count !== undefined ? { age: k.age, count: k.count } : { age: k.age };
  return { count: k.count ?? 0 };
}
