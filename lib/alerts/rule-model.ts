import { z } from 'zod';

/**
 * Alert rules, defined once: the API's bodies, the store's records and
 * `defineAlert` all parse with these schemas. A rule watches one figure the
 * console already computes (failure rate, failed jobs, backlog, workers,
 * schedules' runs, running jobs) and fires when its condition holds for `forMs`.
 */

export const RULE_KINDS = ['failure_rate', 'job_failed', 'backlog', 'no_worker', 'worker_lost', 'schedule', 'long_running'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

// C0 and C1 control characters: invisible in the UI and dangerous in logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const name = z
  .string()
  .min(1, 'Required')
  .max(100, 'At most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Letters, digits, ".", "_" and "-", starting with a letter or digit');
const target = (what: string) =>
  z
    .string()
    .min(1, `The ${what} must not be empty`)
    .max(200)
    .refine((s) => !CONTROL.test(s), `The ${what} must not contain control characters`);
/** A duration in milliseconds (whole, not negative; `positive` where 0 means nothing). */
const ms = (positive = false) =>
  z
    .number()
    .int('Whole milliseconds')
    .min(positive ? 1 : 0, positive ? 'Must be positive' : 'Must not be negative');

/** The notification settings, without defaults (a PATCH changes only what it sends). */
const settings = {
  /** How long the condition must hold before an incident opens (Prometheus's `for`): damps flapping. */
  forMs: ms().max(7 * 86_400_000),
  /** Re-notify an open, unacknowledged incident this often (0: only when it opens and resolves). */
  cooldownMs: ms().max(30 * 86_400_000),
  /** Channel ids that get this rule's notifications. */
  channels: z.array(name).max(20),
};

/** What every rule has besides its condition. */
const common = {
  name,
  description: z.string().max(500).optional(),
  enabled: z.boolean().default(true),
  forMs: settings.forMs.default(0),
  cooldownMs: settings.cooldownMs.default(0),
  channels: settings.channels.default([]),
};

/** A queue or a task (exactly one): which jobs a rule counts. */
const scope = { queue: target('queue').optional(), task: target('task').optional() };
const WINDOW_MAX = 7 * 86_400_000;

const failureRate = z.object({
  kind: z.literal('failure_rate'),
  ...common,
  ...scope,
  windowMs: ms(true).max(WINDOW_MAX),
  /** Fires when failed / (failed + completed) over the window is above this percentage… */
  percent: z.number().min(0, 'Must not be negative').max(100, 'At most 100'),
  /** …and at least this many jobs finished in the window. */
  minJobs: z.number().int().min(1, 'At least 1').default(20),
});

const jobFailed = z.object({
  kind: z.literal('job_failed'),
  ...common,
  ...scope,
  /** The incident stays open while another job failed for good within this long. */
  windowMs: ms(true).max(WINDOW_MAX).default(300_000),
});

const backlog = z.object({
  kind: z.literal('backlog'),
  ...common,
  queue: target('queue'),
  /** Fires when more jobs than this wait… */
  maxWaiting: z.number().int().min(0, 'Must not be negative').optional(),
  /** …or the oldest waiting job is older than this. */
  maxAgeMs: ms(true).max(WINDOW_MAX).optional(),
});

/** A queue that has jobs waiting and no worker connected; how long is the rule's `forMs`. */
const noWorker = z.object({ kind: z.literal('no_worker'), ...common, queue: target('queue') });

const workerLost = z.object({
  kind: z.literal('worker_lost'),
  ...common,
  /** Only workers that served this queue (all workers when absent). */
  queue: target('queue').optional(),
  /** A worker counts as lost for this long after its heartbeat expired. */
  windowMs: ms(true).max(WINDOW_MAX).default(600_000),
});

const schedule = z.object({
  kind: z.literal('schedule'),
  ...common,
  schedule: target('schedule'),
  /** `missed`: a slot went by with no run (within the window); `failed`: the last run failed. */
  on: z.enum(['missed', 'failed', 'missed_or_failed']).default('missed_or_failed'),
  windowMs: ms(true).max(86_400_000).default(3_600_000),
});

const longRunning = z.object({
  kind: z.literal('long_running'),
  ...common,
  ...scope,
  /** Fires when a job has been running longer than this. */
  maxMs: ms(true).max(WINDOW_MAX),
});

const scoped = (r: { queue?: string; task?: string }) => (r.queue === undefined) !== (r.task === undefined);
const SCOPE_MESSAGE = 'Give a queue or a task (one of them)';

/** A rule's condition and settings, as a client sends them (`kind` picks the fields). */
export const ruleInputSchema = z
  .discriminatedUnion('kind', [failureRate, jobFailed, backlog, noWorker, workerLost, schedule, longRunning])
  .superRefine((r, ctx) => {
    if ((r.kind === 'failure_rate' || r.kind === 'job_failed' || r.kind === 'long_running') && !scoped(r))
      ctx.addIssue({ code: 'custom', path: ['queue'], message: SCOPE_MESSAGE });
    if (r.kind === 'backlog' && r.maxWaiting === undefined && r.maxAgeMs === undefined)
      ctx.addIssue({ code: 'custom', path: ['maxWaiting'], message: 'Give maxWaiting, maxAgeMs or both' });
  });
export type RuleInput = z.input<typeof ruleInputSchema>;
export type RuleSpec = z.output<typeof ruleInputSchema>;

/** A stored rule: the input plus where it comes from and when it changed. */
export type AlertRule = RuleSpec & { source: 'console' | 'code'; createdAt: string; updatedAt: string };

/** The stored record (parsed back from Redis). */
export const alertRuleSchema = z.intersection(
  ruleInputSchema,
  z.object({ source: z.enum(['console', 'code']), createdAt: z.string(), updatedAt: z.string() }),
) as unknown as z.ZodType<AlertRule>;

/** PATCH body: enable or disable, or change the notification settings. */
export const rulePatchSchema = z
  .object({
    enabled: z.boolean().optional(),
    description: z.string().max(500).optional(),
    forMs: settings.forMs.optional(),
    cooldownMs: settings.cooldownMs.optional(),
    channels: settings.channels.optional(),
  })
  .strict();
export type RulePatch = z.output<typeof rulePatchSchema>;

/** The queue a rule names directly, if any. */
export function ruleQueue(rule: RuleSpec): string | undefined {
  return 'queue' in rule ? rule.queue : undefined;
}

/** The task a rule names, if any. */
export function ruleTask(rule: RuleSpec): string | undefined {
  return 'task' in rule ? rule.task : undefined;
}
