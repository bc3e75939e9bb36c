import { z } from 'zod';
import type { JobState } from 'bullmq';
import { catalogueEntrySchema } from '../registry/catalogue';
import { scheduleDefinitionSchema } from '../scheduler/schedule-model';
import { runRecordSchema } from '../scheduler/schedule-store';
import { heartbeatSchema, lostWorkerSchema } from '../worker/heartbeat-schema';
import { keepJobsSchema } from '../queue/job-options';
import type { JobAction } from '../queue/job-actions';
import type { EnqueuedJob } from '../queue/add-task-job';
import type { LogPage } from '../queue/job-logs';
import type { TokenDTO } from '../auth/api-tokens';
import type { OrphanDTO } from '../scheduler/schedule-service';
import { JOB_STATES } from './queue-states';
import type { TaskDTO } from './task-dto';
import type { JobDTO } from './job-dto';
import type { QueueDetailDTO, QueueSummaryDTO } from './queue-dto';
import type { JobPageDTO } from './job-list';
import type { ScheduleDetailDTO, ScheduleDTO } from './schedule-dto';
import type { WorkersDTO } from './worker-dto';
import type { ResultPageDTO } from './result-dto';
import { RESULT_STATES } from '../queue/search-results';
import { heldDtoSchema, heldSummarySchema } from './held-schemas';

/**
 * zod schemas of the DTOs the API answers with, for the OpenAPI document's
 * responses (the operation definitions in lib/api/). The DTOs themselves are TypeScript
 * interfaces next to the code that builds them; the `Same<…>` checks at the
 * bottom make the compiler refuse a schema that no longer matches its
 * interface, so the document cannot silently drift from the answers.
 */

/** `{ queue, id }` of a job just created. */
export const enqueuedJobSchema = z.object({ queue: z.string(), id: z.string() });

/** `{ ok: true }`: the answer of actions that return nothing else. */
export const okSchema = z.object({ ok: z.literal(true) });

export const taskDtoSchema = catalogueEntrySchema.extend({ workers: z.number().int().min(0).describe('Live workers that run this task on its queue') });
export const taskListSchema = z.object({ tasks: z.array(taskDtoSchema) });

const queueCountsSchema = z.object(Object.fromEntries(JOB_STATES.map((s) => [s, z.number().int().min(0)])) as Record<(typeof JOB_STATES)[number], z.ZodNumber>);

export const queueSummarySchema = z.object({
  name: z.string(),
  counts: queueCountsSchema,
  paused: z.boolean(),
  workers: z.number().int().min(0),
  oldestWaitingAt: z.number().nullable(),
});
export const queueListSchema = z.object({ queues: z.array(queueSummarySchema) });
export const queueDetailSchema = queueSummarySchema.extend({
  retention: z.array(z.object({ task: z.string(), retention: z.object({ completed: keepJobsSchema, failed: keepJobsSchema }) })),
  held: heldSummarySchema,
  at: z.number().describe('When its reads began (ms since the epoch): a live page keeps the newest of this and its frames’ `at`'),
});

const JOB_STATE_VALUES = ['completed', 'failed', 'active', 'delayed', 'prioritized', 'waiting', 'waiting-children'] as const satisfies readonly JobState[];
const JOB_ACTION_VALUES = ['retry', 'remove', 'promote', 'cancel', 'rerun', 'priority'] as const satisfies readonly JobAction[];

const logLineSchema = z.object({ index: z.number().int().min(0), text: z.string(), bytes: z.number().int().min(0), truncated: z.boolean() });
export const logPageSchema = z.object({
  lines: z.array(logLineSchema),
  total: z.number().int().min(0),
  page: z.number().int().min(0),
  pageSize: z.number().int().min(1),
  pages: z.number().int().min(0),
});

const truncatedValueSchema = z.object({ bytes: z.number().int().min(0), preview: z.string() });
const timelineEntrySchema = z.object({
  kind: z.enum(['created', 'delayed', 'waiting', 'waiting-children', 'attempt', 'progress', 'retry-wait', 'held', 'completed', 'failed']),
  at: z.number().nullable(),
  until: z.number().nullable().optional(),
  label: z.string(),
  detail: z.string().optional(),
  tone: z.enum(['info', 'ok', 'error', 'running']),
  attempt: z.number().int().optional(),
});
const childStatus = z.enum(['pending', 'completed', 'failed', 'ignored']);

export const jobDtoSchema = z.object({
  id: z.string(),
  queue: z.string(),
  name: z.string(),
  state: z.enum([...JOB_STATE_VALUES, 'unknown']),
  args: z.unknown().describe('The arguments (any JSON); null when too large to show (see truncated.args)'),
  progress: z.union([z.number(), z.record(z.string(), z.unknown())]),
  logs: z.array(logLineSchema),
  logCount: z.number().int().min(0),
  result: z.unknown().describe('The return value (any JSON); null when none or too large to show (see truncated.result)'),
  error: z.string().nullable(),
  stack: z.array(z.string()),
  attemptsMade: z.number().int().min(0),
  attempts: z.number().int().min(0),
  priority: z.number().int().min(0),
  delayMs: z.number().min(0),
  createdAt: z.number(),
  startedAt: z
    .number()
    .nullable()
    .describe(
      'When the job first started: its first attempt’s start (Celerity’s attempt record), or the last attempt’s when it had one or the earlier ones were not recorded',
    ),
  firstStartKnown: z
    .boolean()
    .describe('False when earlier attempts ran without Celerity’s record (a plain BullMQ worker): startedAt is then the earliest start known'),
  lastAttemptStartedAt: z.number().nullable().describe('When the last (or the running) attempt started (BullMQ’s processedOn)'),
  finishedAt: z.number().nullable(),
  durationMs: z.number().nullable().describe('finishedAt − startedAt: all attempts and the backoff waits between them'),
  lastAttemptDurationMs: z.number().nullable().describe('finishedAt − lastAttemptStartedAt'),
  actions: z.array(z.enum(JOB_ACTION_VALUES)),
  rerunOf: z.string().nullable(),
  reruns: z.object({ count: z.number().int().min(0), ids: z.array(z.string()) }),
  options: z.record(z.string(), z.unknown()),
  truncated: z.object({
    args: truncatedValueSchema.optional(),
    result: truncatedValueSchema.optional(),
    error: truncatedValueSchema.optional(),
    stack: truncatedValueSchema.optional(),
    progress: truncatedValueSchema.optional(),
    options: truncatedValueSchema.optional(),
  }),
  timeline: z.array(timelineEntrySchema),
  parent: z.object({ queue: z.string().nullable(), id: z.string() }).nullable(),
  children: z
    .object({
      counts: z.object({
        pending: z.number().int().min(0),
        completed: z.number().int().min(0),
        failed: z.number().int().min(0),
        ignored: z.number().int().min(0),
      }),
      jobs: z.array(z.object({ queue: z.string().nullable(), id: z.string(), status: childStatus })),
    })
    .nullable(),
  raw: z.record(z.string(), z.string()),
  processedBy: z.string().nullable(),
  held: heldDtoSchema.nullable().describe('Held back by its task’s limits (rate, concurrency, paused task): why and when it may run'),
});

export const jobRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  argsExcerpt: z.string(),
  attemptsMade: z.number().int().min(0),
  progress: z.number().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
  held: heldDtoSchema.nullable(),
});
export const jobPageSchema = z.object({
  queue: z.string(),
  state: z.enum(JOB_STATES),
  name: z.string().nullable(),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  total: z.number().int().min(0).nullable(),
  more: z.boolean(),
  jobs: z.array(jobRowSchema),
});

export const scheduleDtoSchema = z.object({
  definition: scheduleDefinitionSchema,
  queue: z.string(),
  words: z.string(),
  status: z.enum(['active', 'paused', 'done']),
  nextRun: z.number().nullable(),
  lastRun: runRecordSchema.nullable(),
  runCount: z.number().int().min(0),
  failureCount: z.number().int().min(0),
});
const orphanSchema = z.object({
  queue: z.string(),
  id: z.string(),
  task: z.string(),
  pattern: z.string().nullable(),
  everyMs: z.number().nullable(),
  tz: z.string().nullable(),
  next: z.number().nullable(),
});
export const scheduleListSchema = z.object({ schedules: z.array(scheduleDtoSchema), orphans: z.array(orphanSchema) });
export const scheduleDetailSchema = scheduleDtoSchema.extend({ upcoming: z.array(z.string()), runs: z.array(runRecordSchema), missed: z.array(z.number()) });

export const workersSchema = z.object({ alive: z.array(heartbeatSchema), lost: z.array(lostWorkerSchema), at: z.number() });

export const tokenDtoSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(['read', 'write']),
  createdAt: z.number(),
  createdBy: z.string(),
  lastUsedAt: z.number().nullable(),
});
export const tokenListSchema = z.object({ tokens: z.array(tokenDtoSchema) });
export const createdTokenSchema = z.object({ token: z.string().describe('The token itself: shown this once'), record: tokenDtoSchema });

/** `GET /api/health` (outside /api/v1; lib/api/health.ts). */
export const healthSchema = z.object({ status: z.enum(['ok', 'degraded']), redis: z.enum(['up', 'down']), latencyMs: z.number().nullable() });

/** A row of the results search: excerpts of the stored JSON (arguments, result) and of the error. */
export const resultRowSchema = z.object({
  queue: z.string(),
  id: z.string(),
  name: z.string(),
  state: z.enum(RESULT_STATES),
  createdAt: z.number().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number(),
  durationMs: z.number().nullable(),
  attemptsMade: z.number().int().min(0),
  args: z.string(),
  result: z.string().nullable(),
  error: z.string().nullable(),
});
/** A page of `GET /results`. */
export const resultPageSchema = z.object({
  rows: z.array(resultRowSchema),
  next: z.string().nullable().describe('Cursor of the next (older) page; null when the whole window was searched'),
  scanned: z.number().int().min(0).describe('Jobs looked at for this page'),
  reached: z.number().nullable().describe('The finish time the search reached, when it stopped before the end of the window'),
});
/** One job of the JSON export of `GET /results?format=json` (an array of these). */
export const resultExportRecordSchema = z.object({
  queue: z.string(),
  id: z.string(),
  task: z.string(),
  state: z.enum(RESULT_STATES),
  created_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  attempts: z.number().int().min(0),
  args: z.string().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
});

// Compile-time only: each schema's output is exactly its DTO (assignable both ways), or tsc fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type DtoSchemasMatchTheirInterfaces = [
  Holds<Same<z.output<typeof enqueuedJobSchema>, EnqueuedJob>>,
  Holds<Same<z.output<typeof taskDtoSchema>, TaskDTO>>,
  Holds<Same<z.output<typeof queueSummarySchema>, QueueSummaryDTO>>,
  Holds<Same<z.output<typeof queueDetailSchema>, QueueDetailDTO>>,
  Holds<Same<z.output<typeof logPageSchema>, LogPage>>,
  Holds<Same<z.output<typeof jobDtoSchema>, JobDTO>>,
  Holds<Same<z.output<typeof jobPageSchema>, JobPageDTO>>,
  Holds<Same<z.output<typeof scheduleDtoSchema>, ScheduleDTO>>,
  Holds<Same<z.output<typeof scheduleDetailSchema>, ScheduleDetailDTO>>,
  Holds<Same<z.output<typeof orphanSchema>, OrphanDTO>>,
  Holds<Same<z.output<typeof workersSchema>, WorkersDTO>>,
  Holds<Same<z.output<typeof tokenDtoSchema>, TokenDTO>>,
  Holds<Same<z.output<typeof resultPageSchema>, ResultPageDTO>>,
];
