import { z } from 'zod';
import { LOG_LEVELS } from '../lib/env';
import { UsageError } from './usage-error';
import { lockDurationMsSchema, stalledIntervalMsSchema } from '../lib/worker/lock-settings';

/** The worker's flags as commander hands them over (strings), checked and typed. */
const schema = z.object({
  concurrency: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .optional(),
  queues: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  // Celery's spelling is upper case (--loglevel=INFO).
  logLevel: z
    .string()
    .optional()
    .transform((v) => v?.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional()),
  hostname: z.string().trim().min(1, 'must not be empty').optional(),
  lockDuration: z.coerce.number({ error: 'must be a number of milliseconds' }).pipe(lockDurationMsSchema).optional(),
  stalledInterval: z.coerce.number({ error: 'must be a number of milliseconds' }).pipe(stalledIntervalMsSchema).optional(),
});

export type WorkerFlags = z.output<typeof schema>;

const FLAG_NAMES: Record<string, string> = {
  concurrency: '--concurrency',
  queues: '--queues',
  logLevel: '--log-level',
  hostname: '--hostname',
  lockDuration: '--lock-duration',
  stalledInterval: '--stalled-interval',
};

/** The worker's flags as commander hands them over (`celerity worker` and `celerity start` add `app`). */
export interface WorkerFlagsRaw {
  concurrency?: string;
  queues?: string;
  logLevel?: string;
  loglevel?: string;
  hostname?: string;
  lockDuration?: string;
  stalledInterval?: string;
}

export function parseWorkerFlags(raw: WorkerFlagsRaw): WorkerFlags {
  const given = { ...raw, logLevel: raw.logLevel ?? raw.loglevel };
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0]);
  throw new UsageError(`${FLAG_NAMES[key] ?? key} ${JSON.stringify(given[key as keyof typeof given])}: ${issue.message}`);
}
