import { z } from 'zod';

/**
 * What the console reads of a workflow run: the shapes of GET /api/v1/workflow-runs
 * and GET /api/v1/workflow-runs/{id}, and of the page data functions
 * (`listWorkflowRuns`, `getWorkflowRun`, `listWorkflowDefinitions`) of
 * lib/workflows. Only these shapes leave the server; the run store
 * (lib/workflows/run-store.ts) builds them from its Redis record and the steps' jobs.
 *
 * Graph words: an edge `{ from, to }` means `to` runs after `from` (and gets its
 * result as input when `from` is its only predecessor). This is the workflow's
 * order, the opposite of BullMQ's parent/child words (in a BullMQ flow the job
 * that runs first is the child).
 */

/** A run: `pending` (accepted, its steps not yet added), `running`, then one of the three ends. */
export const workflowRunStateSchema = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']);

/** The states a run ends in (a failed run may still resume: a retry of its failed step). */
export const FINISHED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
export type WorkflowRunState = z.infer<typeof workflowRunStateSchema>;

/**
 * A step: `waiting` (its predecessors have not finished, or its job does not exist yet),
 * `queued` (its job waits or is delayed for a retry), `active`, then `completed`, `failed`
 * (after its retries) or `cancelled` (the run was cancelled before it finished).
 */
export const workflowStepStateSchema = z.enum(['waiting', 'queued', 'active', 'completed', 'failed', 'cancelled']);
export type WorkflowStepState = z.infer<typeof workflowStepStateSchema>;

/**
 * What a step is: a task's job, or one of the two nodes Celerity adds for fan-out:
 * `group` (starts its members in parallel once its predecessor finished, collects their
 * results in order) and `map` (one member per item of a list: known at call time, or the
 * predecessor's result — its members appear when it runs).
 */
export const workflowStepKindSchema = z.enum(['task', 'group', 'map']);
export type WorkflowStepKind = z.infer<typeof workflowStepKindSchema>;

/** One attempt of a step's job, for the timeline (ms since epoch). */
export const workflowAttemptSchema = z.object({
  /** 1, 2, … */
  attempt: z.number().int().min(1),
  /** When it became runnable: the job added (first attempt) or put back for a retry. */
  queuedAt: z.number().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  outcome: z.enum(['running', 'completed', 'failed', 'cancelled', 'requeued']).nullable(),
  error: z.string().optional(),
  worker: z.string().optional(),
});
export type WorkflowAttemptDTO = z.infer<typeof workflowAttemptSchema>;

export const workflowStepSchema = z.object({
  /** Stable within the run (its place in the canvas: `0`, `1.2`, `2.0.1`); the graph's node key. */
  id: z.string(),
  kind: workflowStepKindSchema,
  /** The task a `task` step runs; for `group`/`map`, the task of its members when they share one, else null. */
  task: z.string().nullable(),
  /** Shown name: the task, or `group (3)`, `map (fan-out)`. */
  label: z.string(),
  /** The queue of its job (its page: /queues/<queue>/jobs/<jobId>). */
  queue: z.string(),
  /** Its BullMQ job id, null while its job does not exist yet. */
  jobId: z.string().nullable(),
  state: workflowStepStateSchema,
  /** 0–100, an object the task reported, or null. */
  progress: z.union([z.number(), z.record(z.string(), z.unknown())]).nullable(),
  /** Steps it runs after (graph edges into it). */
  parents: z.array(z.string()),
  /** Steps that run after it (graph edges out of it). */
  children: z.array(z.string()),
  attempts: z.array(workflowAttemptSchema),
  /** Its result once completed (JSON). */
  result: z.unknown().optional(),
  /** Why it failed (after its retries). */
  error: z.string().optional(),
  /** The console may retry it: it failed and the run can resume from it. */
  canRetry: z.boolean(),
});
export type WorkflowStepDTO = z.infer<typeof workflowStepSchema>;

export const workflowEdgeSchema = z.object({ from: z.string(), to: z.string() });
export type WorkflowEdgeDTO = z.infer<typeof workflowEdgeSchema>;

/** Why a run failed: the step (absent when the run failed before any step, e.g. its plan was refused) and the message. */
export const workflowFailureSchema = z.object({
  step: z.string().optional(),
  message: z.string(),
  /** For a plan refused before any step ran: the field it names (`steps.0.1.args.n`), as a 400 answer would. */
  field: z.string().optional(),
});
export type WorkflowFailureDTO = z.infer<typeof workflowFailureSchema>;

/** A run as listed (GET /api/v1/workflow-runs). */
export const workflowRunSummarySchema = z.object({
  id: z.string(),
  workflow: z.string(),
  state: workflowRunStateSchema,
  createdAt: z.number(),
  /** When its first step started; null before. */
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** Task steps finished (completed) of all known task steps; a map over a result adds its members when it runs. */
  steps: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }),
});
export type WorkflowRunSummaryDTO = z.infer<typeof workflowRunSummarySchema>;

/** One run, whole (GET /api/v1/workflow-runs/{id}). */
export const workflowRunSchema = workflowRunSummarySchema.extend({
  /** The arguments it was started with (checked against the workflow's schema). */
  args: z.unknown(),
  /** The last step's result once completed. */
  result: z.unknown().optional(),
  error: workflowFailureSchema.optional(),
  nodes: z.array(workflowStepSchema),
  edges: z.array(workflowEdgeSchema),
  /** What the console may do to the whole run now. */
  actions: z.array(z.enum(['cancel'])),
});
export type WorkflowRunDTO = z.infer<typeof workflowRunSchema>;

/** A page of runs, newest first; `total` is exact (one ZCARD). */
export const workflowRunPageSchema = z.object({
  runs: z.array(workflowRunSummarySchema),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  total: z.number().int().min(0),
  more: z.boolean(),
});
export type WorkflowRunPageDTO = z.infer<typeof workflowRunPageSchema>;

/** Filters of the list (query string of GET /api/v1/workflow-runs). */
export const workflowRunQuerySchema = z.object({
  workflow: z.string().min(1).max(200).optional(),
  state: workflowRunStateSchema.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export type WorkflowRunQuery = z.infer<typeof workflowRunQuerySchema>;

/** A workflow definition as the catalogue publishes it (for the Run form). */
export const workflowDefinitionSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** JSON Schema of its arguments (input side), as tasks' `argsSchema`. */
  argsSchema: z.record(z.string(), z.unknown()),
  /** The queue of its own jobs (the start job the console adds). */
  queue: z.string(),
  publishedAt: z.number(),
  publishedBy: z.string(),
});
export type WorkflowDefinitionDTO = z.infer<typeof workflowDefinitionSchema>;

/** Answer of POST /api/v1/workflows/{name}/runs. */
export const workflowRunCreatedSchema = z.object({ id: z.string(), workflow: z.string(), state: workflowRunStateSchema });
export type WorkflowRunCreatedDTO = z.infer<typeof workflowRunCreatedSchema>;

/** A job's workflow, for the job page's link (`workflowOfJob(queue, jobId)`). */
export const workflowOfJobSchema = z.object({ runId: z.string(), workflow: z.string(), step: z.string() });
export type WorkflowOfJobDTO = z.infer<typeof workflowOfJobSchema>;
