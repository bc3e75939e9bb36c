import type { z } from 'zod';
import { getRedis } from '../redis';
import type { TaskRegistry } from '../registry/task-registry';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import type { Sig } from './canvas';
import type { AnyWorkflow } from './define-workflow';
import { buildPlan } from './plan';
import { launchRun, planWorkflow } from './launch-run';
import { runKeys } from './run-store';
import type { WorkflowFailureDTO } from './run-dto';

/** A started run: its id, and a way to wait for its result. */
export interface WorkflowHandle<Result = unknown> {
  id: string;
  /**
   * Resolve with the run's result (its last step's) once it completed; reject with an
   * Error naming the failed step once it failed, or the cancel; GatewayTimeoutError after
   * `timeoutMs` (default 60 s). Reads the run's state every 50 ms.
   */
  waitForResult(timeoutMs?: number): Promise<Result>;
}

export type WorkflowResult<W> = W extends { build: (args: never) => Sig<undefined, infer R> } ? R : unknown;

/**
 * Start a run of a workflow in this process: its arguments are checked against its
 * schema, `build` makes the canvas, and every step is checked (unknown task, arguments,
 * cycle: an InvalidError naming the step) before anything reaches Redis.
 */
export async function startWorkflow<W extends AnyWorkflow>(
  registry: TaskRegistry,
  workflow: W,
  args?: z.input<W['schema']>,
): Promise<WorkflowHandle<WorkflowResult<W>>> {
  const planned = planWorkflow(registry, workflow, args);
  const id = await launchRun(getRedis(), registry, { workflow: workflow.name, queue: workflow.queue, ...planned });
  return handle(id);
}

/** Run a canvas without a workflow definition (`name` is what the console lists it under). */
export async function runCanvas<O>(registry: TaskRegistry, sig: Sig<undefined, O>, opts: { name?: string; queue?: string } = {}): Promise<WorkflowHandle<O>> {
  const queue = opts.queue ?? 'default';
  const plan = buildPlan(sig.node, { registry, queue });
  const id = await launchRun(getRedis(), registry, { workflow: opts.name ?? 'canvas', queue, args: null, plan });
  return handle(id);
}

function handle<R>(id: string): WorkflowHandle<R> {
  return { id, waitForResult: (timeoutMs?: number) => waitForRun(id, timeoutMs) as Promise<R> };
}

/** Wait for a run to end (see {@link WorkflowHandle.waitForResult}). */
export async function waitForRun(id: string, timeoutMs = 60_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Only the fields it needs: the record also holds the plan (1 MB for a group of 10,000), read 20 times a second here.
    const [state, result, errorJson] = await getRedis().hmget(runKeys.run(id), 'state', 'result', 'error');
    if (!state) throw new NotFoundError(`Workflow run ${id} not found`);
    const error = errorJson ? (JSON.parse(errorJson) as WorkflowFailureDTO) : undefined;
    if (state === 'completed') return result ? (JSON.parse(result) as unknown) : undefined;
    if (state === 'failed') throw new Error(error?.step ? `Step ${error.step} failed: ${error.message}` : (error?.message ?? 'failed'));
    if (state === 'cancelled') throw new Error(`Workflow run ${id} was cancelled`);
    if (Date.now() > deadline) throw new GatewayTimeoutError(`Timed out after ${timeoutMs} ms waiting for workflow run ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
