import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis';
import type { TaskRegistry } from '../registry/task-registry';
import { InvalidError } from '../errors';
import { parseOrThrow } from '../validation';
import type { AnyWorkflow } from './define-workflow';
import type { CanvasNode } from './canvas';
import { buildPlan, type PlanNode } from './plan';
import { createRun, runKeys, setPlan, transition, type RunRecord } from './run-store';
import { flowOf, flowProducer } from './flow-build';

/** A new run id: 16 hex characters (part of every step's job id). */
export function newRunId(): string {
  return randomBytes(8).toString('hex');
}

/** Check a workflow's arguments and build its plan: InvalidError naming the field or the step, nothing written. */
export function planWorkflow(registry: TaskRegistry, workflow: AnyWorkflow, args: unknown): { args: unknown; plan: PlanNode; onError?: RunRecord['onError'] } {
  const parsed = parseOrThrow(workflow.schema, args ?? {}, 'args');
  let canvas: CanvasNode;
  try {
    canvas = workflow.build(parsed).node;
  } catch (err) {
    if (err instanceof InvalidError) throw err;
    throw new InvalidError(`Workflow "${workflow.name}": build failed: ${(err as Error).message}`, 'steps');
  }
  const plan = buildPlan(canvas, { registry, queue: workflow.queue });
  return { args: args ?? {}, plan, ...(workflow.onError ? { onError: onErrorOf(registry, workflow) } : {}) };
}

function onErrorOf(registry: TaskRegistry, workflow: AnyWorkflow): RunRecord['onError'] {
  const node = workflow.onError!;
  const onError = buildPlan(node, { registry, queue: workflow.queue });
  if (onError.kind !== 'task') throw new InvalidError(`Workflow "${workflow.name}": onError must be one task`, 'onError');
  return { task: onError.task, args: onError.args };
}

/**
 * Start a run whose plan is known: its record first (the worker hooks read it for
 * every step), then every static job in one FlowProducer call.
 */
export async function launchRun(
  redis: RedisConnection,
  registry: TaskRegistry,
  run: { id?: string; workflow: string; queue: string; args: unknown; plan: PlanNode; onError?: RunRecord['onError'] },
): Promise<string> {
  const id = run.id ?? newRunId();
  const record: RunRecord = { ...run, id, state: 'running', createdAt: Date.now(), startedAt: null, finishedAt: null };
  await createRun(redis, record);
  await flowProducer().add(flowOf(run.plan, undefined, { runId: id, registry }));
  return id;
}

/**
 * The worker's half of a run the console accepted (`pending`): write its plan, mark it
 * running, add its jobs. Run again after a crash, it adds the same jobs (same ids: BullMQ
 * keeps the first). A plan refused (a step's arguments, an unknown task, a cycle) fails
 * the run with the error naming the step, and adds nothing.
 */
export async function startPendingRun(redis: RedisConnection, registry: TaskRegistry, id: string, workflow: AnyWorkflow, args: unknown): Promise<unknown> {
  let planned: ReturnType<typeof planWorkflow>;
  try {
    planned = planWorkflow(registry, workflow, args);
  } catch (err) {
    const field = err instanceof InvalidError ? err.field : undefined;
    const step = field?.startsWith('steps.') ? /^steps\.([\d.]+?)(?:\.args.*)?$/.exec(field)?.[1] : undefined;
    const error = JSON.stringify({ ...(step ? { step } : {}), message: (err as Error).message, ...(field ? { field } : {}) });
    await transition(redis, id, ['pending'], 'failed', { error, finishedAt: String(Date.now()) });
    return { refused: (err as Error).message };
  }
  await setPlan(redis, id, planned.plan);
  if (planned.onError) await redis.hset(runKeys.run(id), 'onError', JSON.stringify(planned.onError));
  const moved = await transition(redis, id, ['pending'], 'running');
  // Cancelled before it started: nothing to add. (A re-run after a crash finds it running and adds the same jobs.)
  if (!moved && (await redis.hget(runKeys.run(id), 'state')) !== 'running') return { skipped: 'the run is no longer pending' };
  await flowProducer().add(flowOf(planned.plan, undefined, { runId: id, registry }));
  return { started: id };
}
