import { z } from 'zod';
import { getRedis } from '../redis';
import { getQueue } from '../queue/queue-registry';
import { InvalidError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { resultListener } from '../client/result-listeners';
import { START_JOB, stepJobId } from './flow-build';
import { newRunId } from './launch-run';
import { createRun, readRun } from './run-store';
import { readWorkflowDefinition } from './workflow-catalogue';
import type { WorkflowDefinitionDTO, WorkflowRunCreatedDTO } from './run-dto';

/** Body of `POST /api/v1/workflows/{name}/runs`. */
export const workflowRunRequestSchema = z.object({ args: z.record(z.string(), z.unknown()).default({}) }).strict();

/** Start jobs are the workflow's plumbing (its run record holds the history): kept an hour, a day when failed. */
export const START_JOB_RETENTION = { removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } } as const;

/** Check a workflow's arguments against its published schema: InvalidError naming the field (`args.<name>`). */
export function validateWorkflowArgs(entry: WorkflowDefinitionDTO, args: unknown): void {
  parseOrThrow(argsValidator(entry), args, 'args');
}

/** How long the console waits for a worker to plan the run, so a refused plan answers 400 rather than a run that fails at once. */
const PLAN_WAIT_MS = 2000;

const validators = new Map<string, { at: number; schema: z.ZodType }>();

/** The console's validator of a workflow's arguments, rebuilt from its published JSON Schema (as for tasks). */
function argsValidator(entry: WorkflowDefinitionDTO): z.ZodType {
  const cached = validators.get(entry.name);
  if (cached && cached.at === entry.publishedAt) return cached.schema;
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(entry.argsSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    schema = z.record(z.string(), z.unknown()); // the worker checks with the real schema
  }
  validators.set(entry.name, { at: entry.publishedAt, schema });
  return schema;
}

/**
 * Start a run of a published workflow from the console (which never runs the code that
 * builds it): the arguments are checked against the published schema, the run is recorded
 * `pending`, and a start job asks a worker of the workflow's queue to build and check the
 * plan and add its jobs. The answer waits up to 2 s for that: a plan the worker refused
 * (a step's arguments, an unknown task, a cycle) throws an InvalidError naming the step
 * — no step was enqueued — and a slower worker leaves the run `pending`.
 */
export async function requestWorkflowRun(name: string, body: unknown): Promise<WorkflowRunCreatedDTO> {
  const redis = getRedis();
  const req = parseOrThrow(workflowRunRequestSchema, body ?? {});
  const entry = await readWorkflowDefinition(redis, name);
  if (!entry) throw new NotFoundError(`Workflow "${name}" not found (no worker has published it)`);
  validateWorkflowArgs(entry, req.args);
  const id = newRunId();
  await createRun(redis, {
    id,
    workflow: name,
    queue: entry.queue,
    state: 'pending',
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    args: req.args,
    plan: null,
  });
  const jobId = stepJobId(id, 'start');
  await getQueue(entry.queue).add(START_JOB, { run: id, workflow: name, args: req.args }, { jobId, ...START_JOB_RETENTION });
  await resultListener(entry.queue).wait(jobId, AbortSignal.timeout(PLAN_WAIT_MS));
  const run = await readRun(redis, id);
  if (run?.state === 'failed' && !run.startedAt) {
    const step = run.error?.step;
    throw new InvalidError(run.error?.message ?? 'The workflow was refused', run.error?.field ?? (step ? `steps.${step}` : 'steps'));
  }
  return { id, workflow: name, state: run?.state ?? 'pending' };
}
