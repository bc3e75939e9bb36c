import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { z } from 'zod';
import type { RedisConnection } from '../redis';
import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import { getQueue } from '../queue/queue-registry';
import { bullJobOptions } from '../queue/add-task-job';
import { jobOptionsSchema } from '../queue/job-options';
import type { WorkflowFailure } from './define-workflow';
import { FANOUT_JOB, START_JOB, flowProducer, memberFlow, parseStepJobId, stepJobId } from './flow-build';
import { memberRoots, storeInputSteps, type FanOutNode, type PlanNode } from './plan';
import { addSteps, createRun, markDone, markStarted, readInput, readRun, readStep, transition, type StepMeta } from './run-store';
import { startPendingRun } from './launch-run';
import { scheduledRunId } from './scheduled-run-id';
import { recordStepFailure, stepRetried } from './failures';

/**
 * What the worker does for workflow jobs (called from lib/worker/job-processor.ts):
 * before a step's handler, refuse it if its run was cancelled and give it its input;
 * after, count it and complete the run when it was the last; when it failed for good,
 * fail the run (once) and start the workflow's `onError` task. The workflow's own jobs
 * (start, fan-out) run here instead of a task handler. See lib/workflows/flow-build.ts.
 */

/** A workflow step being run: what {@link afterStep} needs. */
export interface StepRun {
  runId: string;
  step: string;
  meta: StepMeta;
}

/** True for the workflow's own jobs (start, fan-out), which no task handler runs. */
export function isWorkflowJob(job: Job): boolean {
  return job.name === FANOUT_JOB || job.name === START_JOB;
}

/**
 * Before a step's handler: undefined, at once, for a job that is no workflow's step (no
 * promise for the job path of every plain task to wait on). Rejects with an
 * UnrecoverableError when its run was cancelled (the step must not run) or its input
 * fails the task's `input` schema.
 */
export function beforeStep(redis: RedisConnection, job: Job, task: AnyTask, ctx: { input: unknown }): Promise<StepRun | undefined> | undefined {
  const ids = parseStepJobId(job.id);
  return ids && prepareStep(redis, job, ids, task, ctx);
}

async function prepareStep(
  redis: RedisConnection,
  job: Job,
  ids: { runId: string; step: string },
  task: AnyTask,
  ctx: { input: unknown },
): Promise<StepRun | undefined> {
  const read = await readStep(redis, ids.runId, ids.step);
  const { state, failedStep, meta } = read;
  if (!meta) return undefined;
  if (state === 'cancelled') throw new UnrecoverableError('workflow cancelled');
  // A failed step runs again (a retry): the run resumes once none of its steps is failed (lib/workflows/failures.ts).
  await stepRetried(redis, ids.runId, ids.step, { state, failedStep });
  const input = await stepInput(redis, job, ids.runId, ids.step, meta.input, read);
  if (task.input && input !== undefined) {
    const parsed = (task.input as z.ZodType).safeParse(input);
    if (!parsed.success)
      throw new UnrecoverableError(`Invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
    ctx.input = parsed.data;
  } else ctx.input = input;
  if (meta.kind !== 'task' || meta.role !== 'onError') await markStarted(redis, ids.runId, Date.now());
  return { runId: ids.runId, step: ids.step, meta };
}

/** A step's input: from its fan-out (the stored input, when readStep already read it), or its only child's result. */
async function stepInput(redis: RedisConnection, job: Job, runId: string, step: string, from: StepMeta['input'], read?: { input?: unknown }): Promise<unknown> {
  if (from === 'store') return read ? read.input : readInput(redis, runId, step);
  if (from !== 'child') return undefined;
  const values = Object.values(await job.getChildrenValues());
  return values[0];
}

/** After a step's handler returned: count it; the root step's result completes the run. */
export async function afterStep(redis: RedisConnection, run: StepRun, result: unknown): Promise<void> {
  if (run.meta.kind === 'task' && run.meta.role !== 'onError') await markDone(redis, run.runId, run.step);
  if (run.meta.root) await transition(redis, run.runId, ['running'], 'completed', { result: JSON.stringify(result ?? null), finishedAt: String(Date.now()) });
}

/**
 * A step's attempt failed. When it was the last (`final`), the run fails — unless the
 * step is inside a group that continues on failure, or the run was cancelled — and the
 * workflow's `onError` task is started once (job id `wf.<run>.onerror`).
 */
export async function stepFailed(redis: RedisConnection, registry: TaskRegistry, job: Job, message: string, final: boolean): Promise<void> {
  const ids = final ? parseStepJobId(job.id) : undefined;
  if (!ids) return;
  const { meta } = await readStep(redis, ids.runId, ids.step);
  if (!meta || meta.tolerated || (meta.kind === 'task' && meta.role === 'onError')) return;
  const error = { step: ids.step, message };
  const moved = await recordStepFailure(redis, ids.runId, error);
  if (moved) await startOnError(redis, registry, ids.runId, { ...error, task: meta.kind === 'task' ? meta.task : undefined });
}

async function startOnError(
  redis: RedisConnection,
  registry: TaskRegistry,
  runId: string,
  failure: Omit<WorkflowFailure, 'runId' | 'workflow'>,
): Promise<void> {
  const run = await readRun(redis, runId);
  const def = run?.onError && registry.get(run.onError.task);
  if (!run?.onError || !def) return;
  const input: WorkflowFailure = { runId, workflow: run.workflow, ...failure };
  const meta: StepMeta = { kind: 'task', task: def.name, queue: def.queue, input: 'store', role: 'onError' };
  await addSteps(redis, runId, new Map([['onerror', meta]]), new Map([['onerror', input]]));
  const opts = { ...bullJobOptions(jobOptionsSchema.parse(def.defaults ?? {}), def.retention), jobId: stepJobId(runId, 'onerror') };
  await getQueue(def.queue).add(def.name, run.onError.args ?? {}, opts);
}

/** Run a workflow's own job (start or fan-out); its failure fails the run like a step's. */
export async function runWorkflowJob(redis: RedisConnection, registry: TaskRegistry, job: Job, token: string | undefined): Promise<unknown> {
  try {
    if (job.name === START_JOB) return await runStart(redis, registry, job);
    return await runFanOut(redis, registry, job, token);
  } catch (err) {
    if (err instanceof WaitingChildrenError) throw err;
    await stepFailed(redis, registry, job, (err as Error).message, true);
    throw err instanceof UnrecoverableError ? err : new UnrecoverableError((err as Error).message);
  }
}

/**
 * A start job: the console's (its run recorded `pending`), or one a BullMQ job scheduler made
 * (`{ workflow, args }` without a run: a schedule that targets a workflow), whose run is
 * recorded here under an id made from the job's, so a re-run after a crash finds the same run.
 */
async function runStart(redis: RedisConnection, registry: TaskRegistry, job: Job): Promise<unknown> {
  const { run, workflow, args } = job.data as { run?: string; workflow: string; args?: unknown };
  const def = registry.workflow?.(workflow);
  if (!def) throw new UnrecoverableError(`Unknown workflow "${workflow}": no worker on this queue defines it`);
  const id = run ?? scheduledRunId(job)!;
  if (!run && !(await readRun(redis, id))) {
    await createRun(redis, {
      id,
      workflow,
      queue: def.queue,
      state: 'pending',
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      args: args ?? {},
      plan: null,
    });
  }
  return startPendingRun(redis, registry, id, def, args ?? {});
}

type FanOutData = { run: string; step: string; spawned?: boolean; members?: string[] };

/**
 * A group or map: first run, add the members (with their input) under this job and
 * wait for them; once they finished, it runs again and returns their results in order.
 */
async function runFanOut(redis: RedisConnection, registry: TaskRegistry, job: Job, token: string | undefined): Promise<unknown> {
  const data = job.data as FanOutData;
  const { state, failedStep, meta } = await readStep(redis, data.run, data.step);
  if (!meta || meta.kind === 'task') throw new UnrecoverableError(`Step ${data.step} of run ${data.run} is not a fan-out`);
  if (state === 'cancelled') throw new UnrecoverableError('workflow cancelled');
  await stepRetried(redis, data.run, data.step, { state, failedStep });
  if (!data.spawned) {
    await markStarted(redis, data.run, Date.now());
    const members = await spawnMembers(redis, registry, job, data, meta);
    await job.updateData({ ...data, spawned: true, members } satisfies FanOutData);
    if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
  }
  const results = await memberResults(job, (job.data as FanOutData).members ?? [], meta.node.continueOnFailure);
  if (meta.root) await transition(redis, data.run, ['running'], 'completed', { result: JSON.stringify(results), finishedAt: String(Date.now()) });
  return results;
}

async function spawnMembers(redis: RedisConnection, registry: TaskRegistry, job: Job, data: FanOutData, meta: Extract<StepMeta, { kind: 'group' | 'map' }>) {
  const input = await stepInput(redis, job, data.run, data.step, meta.input);
  const node = meta.node;
  const members = node.members ?? dynamicMembers(node, input);
  const inputs = new Map<string, unknown>();
  if (node.members) {
    if (input !== undefined) for (const m of members) for (const s of storeInputSteps(m)) inputs.set(s, input);
  } else {
    members.forEach((m, i) => inputs.set(m.id, (input as unknown[])[i]));
  }
  const metas = new Map<string, StepMeta>();
  const tolerated = meta.tolerated || node.continueOnFailure;
  if (node.kind === 'map' && !node.members) {
    for (const m of members)
      metas.set(m.id, { kind: 'task', task: node.task, queue: node.taskQueue, input: 'store', ...(tolerated ? { tolerated: true } : {}) });
  }
  await addSteps(redis, data.run, metas, inputs);
  const ctx = { runId: data.run, registry };
  // In slices, each one MULTI: the first members run while the next are built and added (one MULTI of
  // 10,000 flows kept every member waiting ~2 s for the last). The fan-out waits for its children only
  // after the last slice, so members that end before then are still counted (moveToWaitingChildren).
  for (let i = 0; i < members.length; i += SPAWN_SLICE) await addMembers(members.slice(i, i + SPAWN_SLICE), node, ctx, meta.tolerated === true);
  return memberRoots({ ...node, members });
}

/** Members added per MULTI by a fan-out. */
const SPAWN_SLICE = 200;

/** A map over the previous result: one task step per item (`<map>.<i>`), each item its input. */
function dynamicMembers(node: FanOutNode, input: unknown): PlanNode[] {
  if (node.kind !== 'map') return [];
  if (!Array.isArray(input))
    throw new UnrecoverableError(`Step ${node.id}: mapEach needs a list as the previous result, got ${input === null ? 'null' : typeof input}`);
  return input.map((_, i) => ({
    kind: 'task' as const,
    id: `${node.id}.${i}`,
    task: node.task,
    queue: node.taskQueue,
    args: node.args ?? {},
    input: 'store' as const,
  }));
}

/** The members' results in order (keys of BullMQ's values end with the job id, which holds no `:`). */
async function memberResults(job: Job, roots: string[], settled: boolean): Promise<unknown[]> {
  const byId = new Map<string, unknown>();
  for (const [key, value] of Object.entries(await job.getChildrenValues())) byId.set(key.slice(key.lastIndexOf(':') + 1), value);
  const runId = parseStepJobId(job.id)!.runId;
  if (!settled) return roots.map((r) => byId.get(stepJobId(runId, r)) ?? null);
  const failed = new Map<string, string>();
  for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) failed.set(key.slice(key.lastIndexOf(':') + 1), reason);
  return roots.map((r) => {
    const id = stepJobId(runId, r);
    return failed.has(id) ? { ok: false, error: failed.get(id)!, step: r } : { ok: true, value: byId.get(id) ?? null };
  });
}

/**
 * One slice of a fan-out's members, under it. Members that are single task steps of one queue go
 * through the queue's addBulk with the fan-out as their parent: BullMQ records them as its children
 * just the same, and it costs Redis a third less than FlowProducer's addBulk for a group of 10,000.
 */
async function addMembers(members: PlanNode[], node: FanOutNode, ctx: { runId: string; registry: TaskRegistry }, tolerated: boolean): Promise<void> {
  const flows = members.map((m) => memberFlow(m, node, ctx, tolerated));
  const queue = members[0]?.kind === 'task' ? members[0].queue : undefined;
  if (queue !== undefined && members.every((m) => m.kind === 'task' && m.queue === queue)) {
    await getQueue(queue).addBulk(flows.map((j) => ({ name: j.name, data: j.data as unknown, opts: j.opts })));
    return;
  }
  await flowProducer().addBulk(flows);
}
