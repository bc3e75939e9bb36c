import type { z } from 'zod';
import { getRedis } from '../redis';
import type { TaskRegistry } from '../registry/task-registry';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import type { Sig } from './canvas';
import type { AnyWorkflow } from './define-workflow';
import { buildPlan } from './plan';
import { launchRun, planWorkflow } from './launch-run';
import { readRun } from './run-store';

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
    const run = await readRun(getRedis(), id);
    if (!run) throw new NotFoundError(`Workflow run ${id} not found`);
    if (run.state === 'completed') return run.result;
    if (run.state === 'failed') throw new Error(run.error?.step ? `Step ${run.error.step} failed: ${run.error.message}` : (run.error?.message ?? 'failed'));
    if (run.state === 'cancelled') throw new Error(`Workflow run ${id} was cancelled`);
    if (Date.now() > deadline) throw new GatewayTimeoutError(`Timed out after ${timeoutMs} ms waiting for workflow run ${id}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
