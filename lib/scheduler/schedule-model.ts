import { z } from 'zod';
import { jobOptionsSchema } from '../queue/job-options';
import { parseOrThrow, invalidFromZod } from '../validation';
import { InvalidError } from '../errors';
import { cronExpressionProblem, cronFields } from './cron-expression';
export { scheduleTarget, type ScheduleTarget } from './schedule-target';
import { canonicalTimeZone, wallTimeToInstant, type WallTime } from './zoned-time';

/**
 * A schedule: which task (or workflow) runs, with what arguments, and when. This is the
 * source of truth stored in Redis; BullMQ's job schedulers are derived from it.
 * Stored definitions carry `version` so a later shape can be migrated on read.
 */

export const SCHEDULE_VERSION = 1 as const;

/** Largest JSON of `args` we accept (a schedule re-sends it with every run). */
export const MAX_ARGS_BYTES = 1024 * 1024;

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
export const UNIT_MS = { seconds: SECOND_MS, minutes: 60 * SECOND_MS, hours: 3_600_000, days: DAY_MS } as const;
export type IntervalUnit = keyof typeof UNIT_MS;

// C0 and C1 control characters: invisible in the UI and dangerous in logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** An IANA zone, stored under its canonical name so two spellings never look like two zones. */
export const timeZoneSchema = z.string().transform((tz, ctx) => {
  const canonical = canonicalTimeZone(tz);
  if (!canonical) {
    ctx.addIssue({ code: 'custom', message: `Unknown time zone "${tz}"` });
    return z.NEVER;
  }
  return canonical;
});

/** An instant with its offset (`…Z` or `…+01:00`), stored as `toISOString()`. */
const instantSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, 'Expected an ISO date-time with Z or an offset')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'Not a real date')
  .transform((s) => new Date(s).toISOString());

const anchorSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected a time of day HH:MM (00:00–23:59)');

/** `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`, read as a wall time (what `<input type=datetime-local>` sends). */
const AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The wall time of a one-off's `at`, or null when it is not a real calendar date and time. */
export function parseWallTime(at: string): WallTime | null {
  const m = AT.exec(at);
  if (!m) return null;
  const [, year, month, day, hour, minute, second] = m.map(Number);
  const w: WallTime = {
    year: year ?? NaN,
    month: month ?? NaN,
    day: day ?? NaN,
    hour: hour ?? NaN,
    minute: minute ?? NaN,
    second: m[6] === undefined ? 0 : (second ?? NaN),
  };
  const check = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
  const real =
    check.getUTCFullYear() === w.year && check.getUTCMonth() === w.month - 1 && check.getUTCDate() === w.day && w.hour < 24 && w.minute < 60 && w.second < 60;
  return real ? w : null;
}

/** Start, end and run limit, shared by interval and cron triggers. */
const boundsShape = {
  /** First instant a run may happen (inclusive). */
  startDate: instantSchema.optional(),
  /** Last instant a run may happen (inclusive). */
  endDate: instantSchema.optional(),
  /** At most this many runs in all. */
  limit: z.number().int().positive().max(1_000_000_000).optional(),
};

function checkBounds(t: { startDate?: string; endDate?: string }, ctx: z.RefinementCtx): void {
  if (t.startDate && t.endDate && Date.parse(t.endDate) < Date.parse(t.startDate)) {
    ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'The end date is before the start date' });
  }
}

/** The length of one interval period in ms. */
export function intervalMs(t: { every: number; unit: IntervalUnit }): number {
  return t.every * UNIT_MS[t.unit];
}

export const intervalTriggerSchema = z
  .object({
    type: z.literal('interval'),
    every: z.number().positive().finite(),
    unit: z.enum(['seconds', 'minutes', 'hours', 'days']),
    /** Time of day (in `tz`) the slots are aligned to: "every 6 hours starting at 00:30". */
    anchor: anchorSchema.optional(),
    /** Zone of `anchor`; UTC when absent. */
    tz: timeZoneSchema.optional(),
    ...boundsShape,
  })
  .strict()
  .superRefine((t, ctx) => {
    const ms = intervalMs(t);
    if (!Number.isInteger(ms)) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'The interval must be a whole number of milliseconds' });
    } else if (ms < SECOND_MS) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'The interval must be at least 1 second' });
    } else if (ms > 366 * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'The interval must be at most 366 days' });
    } else if (t.anchor && DAY_MS % ms !== 0 && ms % DAY_MS !== 0) {
      // Slots are a fixed grid in absolute time; "starting at 00:30" only names the
      // same times every day when the period divides a day or is whole days.
      ctx.addIssue({
        code: 'custom',
        path: ['anchor'],
        message: 'A start time needs an interval that divides a day (e.g. 15 minutes, 6 hours) or is whole days; use a start date instead',
      });
    }
    checkBounds(t, ctx);
  });

export const cronTriggerSchema = z
  .object({
    type: z.literal('cron'),
    /** 5 fields, or 6 with seconds first; stored with single spaces. */
    expression: z
      .string()
      .max(500)
      .transform((s) => cronFields(s).join(' ')),
    tz: timeZoneSchema,
    ...boundsShape,
  })
  .strict()
  .superRefine((t, ctx) => {
    const problem = cronExpressionProblem(t.expression, t.tz);
    if (problem) ctx.addIssue({ code: 'custom', path: ['expression'], message: problem });
    checkBounds(t, ctx);
  });

export const onceTriggerSchema = z
  .object({
    type: z.literal('once'),
    /** Wall time in `tz`: `YYYY-MM-DDTHH:MM` (seconds optional). */
    at: z.string().refine((s) => parseWallTime(s) !== null, 'Expected a date and time YYYY-MM-DDTHH:MM'),
    tz: timeZoneSchema,
  })
  .strict();

export const triggerSchema = z.discriminatedUnion('type', [intervalTriggerSchema, cronTriggerSchema, onceTriggerSchema]);

export type IntervalTrigger = z.output<typeof intervalTriggerSchema>;
export type CronTrigger = z.output<typeof cronTriggerSchema>;
export type OnceTrigger = z.output<typeof onceTriggerSchema>;
export type Trigger = z.output<typeof triggerSchema>;
export type TriggerInput = z.input<typeof triggerSchema>;

/** The instant a one-off runs (DST gap → shifted forward, overlap → first occurrence). */
export function onceInstant(t: Pick<OnceTrigger, 'at' | 'tz'>): number {
  const wall = parseWallTime(t.at);
  if (!wall) throw new Error(`Invalid one-off time "${t.at}"`);
  return wallTimeToInstant(wall, t.tz);
}

/**
 * Job options a schedule may set on its runs: a delay makes no sense for a slot that is already timed, nor
 * `expires` (BullMQ creates each run when the previous one starts, so "ms after enqueue" would count from there).
 */
export const scheduleJobOptionsSchema = jobOptionsSchema.omit({ delay: true, expires: true });

/** Size of a value as UTF-8 JSON, or null when it is not JSON (BigInt, cycles). */
function jsonBytes(value: unknown): number | null {
  try {
    return new TextEncoder().encode(JSON.stringify(value)).length;
  } catch {
    return null;
  }
}

const fieldsShape = {
  /** Unique id of the schedule; also the BullMQ job scheduler id. */
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => s.trim().length > 0, 'The name must not be blank')
    .refine((s) => !CONTROL.test(s), 'The name must not contain control characters')
    // `/schedules/new` is the create form: a schedule called "new" could never be opened.
    .refine((s) => s !== 'new', 'The name "new" is reserved'),
  description: z.string().max(2000).optional(),
  /** Task name; checked against the catalogue elsewhere. Exactly one of `task` and `workflow`. */
  task: z.string().min(1).max(200).optional(),
  /** Workflow name (its runs are started as the console's Run does); checked against the workflow catalogue elsewhere. */
  workflow: z.string().min(1).max(200).optional(),
  /** Arguments; validated elsewhere against the task's (or workflow's) schema. */
  args: z.record(z.string(), z.unknown()).default({}),
  /** Queue of the runs; the task's queue when absent. */
  queue: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => !s.includes(':'), 'Queue names cannot contain ":"')
    .optional(),
  options: scheduleJobOptionsSchema.default({}),
  enabled: z.boolean().default(true),
  /** After an outage, run once for the slots that were missed (never once per missed slot). */
  catchUp: z.boolean().default(false),
  /** Created in the console, or declared next to the tasks with `defineSchedule`. */
  source: z.enum(['ui', 'code']).default('ui'),
  trigger: triggerSchema,
};

/** The checks across fields: one target, a workflow's runs in its own queue, the arguments' size. */
function checkSchedule(s: { task?: string; workflow?: string; queue?: string; args: unknown }, ctx: z.RefinementCtx): void {
  if (s.task === undefined && s.workflow === undefined) ctx.addIssue({ code: 'custom', path: ['task'], message: 'Choose a task or a workflow' });
  if (s.task !== undefined && s.workflow !== undefined)
    ctx.addIssue({ code: 'custom', path: ['workflow'], message: 'A schedule runs a task or a workflow, not both' });
  // A workflow's start job must reach a worker that defines it: the one queue its workers publish.
  if (s.workflow !== undefined && s.queue !== undefined)
    ctx.addIssue({ code: 'custom', path: ['queue'], message: "A workflow's runs start in the workflow's own queue" });
  checkArgsSize(s, ctx);
}

function checkArgsSize(s: { args: unknown }, ctx: z.RefinementCtx): void {
  const bytes = jsonBytes(s.args);
  if (bytes === null) ctx.addIssue({ code: 'custom', path: ['args'], message: 'The arguments must be JSON' });
  else if (bytes > MAX_ARGS_BYTES) {
    ctx.addIssue({ code: 'custom', path: ['args'], message: `The arguments are ${bytes} bytes of JSON; at most ${MAX_ARGS_BYTES} are allowed` });
  }
}

/**
 * Body of POST /api/v1/schedules: the fields an API client sets. The console
 * owns the others (source `ui`, version, timestamps): a body naming them is refused.
 */
const { source: _consoleOwned, ...clientFields } = fieldsShape;
export const scheduleBodySchema = z.object(clientFields).strict().superRefine(checkSchedule);

/** Body of PUT /api/v1/schedules/{name}: the same, the name optional (it is the one in the path, and cannot change). */
export const scheduleReplaceBodySchema = z
  .object({ ...clientFields, name: fieldsShape.name.optional() })
  .strict()
  .superRefine(checkSchedule);

/** What the console or `defineSchedule` sends: timestamps and version are filled in by `validateSchedule`. */
export const scheduleInputSchema = z
  .object({
    version: z.literal(SCHEDULE_VERSION).optional(),
    ...fieldsShape,
    createdAt: instantSchema.optional(),
    updatedAt: instantSchema.optional(),
  })
  .strict()
  .superRefine(checkSchedule);

/** A schedule as stored (every field present). */
export const scheduleDefinitionSchema = z
  .object({
    version: z.literal(SCHEDULE_VERSION),
    ...fieldsShape,
    createdAt: instantSchema,
    updatedAt: instantSchema,
  })
  .strict()
  .superRefine(checkSchedule);

export type ScheduleInput = z.input<typeof scheduleInputSchema>;
export type ScheduleDefinition = z.output<typeof scheduleDefinitionSchema>;

/**
 * Check a schedule sent by a user or by code and return it ready to store.
 * Throws `InvalidError` whose `field` is the dotted path of the first problem
 * (`trigger.expression`, `trigger.tz`, `trigger.every`, `trigger.endDate`,
 * `trigger.at`, `args`…) and whose `fields` lists them all.
 *
 * Besides the shape, the checks that depend on the clock use `now` (so tests
 * are deterministic): a one-off must not be in the past, and an end date must
 * not have passed (BullMQ refuses those). `allowPastOneOff` is for edits of a
 * one-off that already ran (renaming it, changing its description).
 */
export function validateSchedule(input: unknown, { now, allowPastOneOff = false }: { now: Date; allowPastOneOff?: boolean }): ScheduleDefinition {
  const parsed = parseOrThrow(scheduleInputSchema, input);
  const t = parsed.trigger;
  if (t.type === 'once' && !allowPastOneOff && onceInstant(t) < now.getTime()) {
    throw fieldError('trigger.at', 'The time is in the past');
  }
  if (t.type !== 'once' && t.endDate && Date.parse(t.endDate) < now.getTime()) {
    throw fieldError('trigger.endDate', 'The end date is in the past');
  }
  const stamp = now.toISOString();
  const { version: _version, createdAt, updatedAt, ...fields } = parsed;
  return { version: SCHEDULE_VERSION, ...fields, createdAt: createdAt ?? stamp, updatedAt: updatedAt ?? stamp };
}

/**
 * Read a stored definition (from Redis). No clock checks: a one-off that ran
 * yesterday is still a valid stored schedule. Throws `InvalidError` when the
 * stored value is not a schedule of a version this code knows.
 */
export function parseStoredSchedule(raw: unknown): ScheduleDefinition {
  const r = scheduleDefinitionSchema.safeParse(raw);
  if (!r.success) throw invalidFromZod(r.error, 'schedule');
  return r.data;
}

function fieldError(field: string, message: string): InvalidError {
  return new InvalidError(`${field}: ${message}`, field, { [field]: message });
}
