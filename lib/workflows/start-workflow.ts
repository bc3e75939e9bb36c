import type { z } from 'zod';
import { getRedis } from '../redis';
import type { TaskRegistry } from '../registry/task-registry';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import type { Sig } from './canvas';
import type { AnyWorkflow } from './define-workflow';
import { buildPlan, rootStep, type PlanNode } from './plan';
import { stepJobId } from './flow-build';
import { resultListener } from '../client/result-listeners';
import { launchRun, planWorkflow } from './launch-run';
import { runKeys } from './run-store';
import type { WorkflowFailureDTO } from './run-dto';

/** A started run: its id, and a way to wait for its result. */
export interface WorkflowHandle<Result = unknown> {
  id: string;
  /**
   * Resolve with the run's result (its last step's) once it completed; reject with an
   * Error naming the failed step once it failed, or the cancel; GatewayTimeoutError after
   * `timeoutMs` (default 60 s). Its end is pushed when the run's last step completes
   * (that step's job, through its queue's result listener); a failure or a cancel is
   * seen by reading the run's state every 50 ms.
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
  return handle(id, planned.plan);
}

/** Run a canvas without a workflow definition (`name` is what the console lists it under). */
export async function runCanvas<O>(registry: TaskRegistry, sig: Sig<undefined, O>, opts: { name?: string; queue?: string } = {}): Promise<WorkflowHandle<O>> {
  const queue = opts.queue ?? 'default';
  const plan = buildPlan(sig.node, { registry, queue });
  const id = await launchRun(getRedis(), registry, { workflow: opts.name ?? 'canvas', queue, args: null, plan });
  return handle(id, plan);
}

function handle<R>(id: string, plan: PlanNode): WorkflowHandle<R> {
  const root = rootStep(plan);
  const last = { queue: root.queue, jobId: stepJobId(id, root.id) };
  return { id, waitForResult: (timeoutMs?: number) => waitForRun(id, timeoutMs, { last }) as Promise<R> };
}

/** How {@link waitForRun} learns of the end sooner than by its reads of the run's state. */
export interface RunWaitOptions {
  /** The run's last step (its root job): its end is pushed by its queue's result listener. */
  last?: { queue: string; jobId: string };
  /** How often the run's state is read (a failure, a cancel; tests). */
  pollMs?: number;
}

/**
 * Wait for a run to end (see {@link WorkflowHandle.waitForResult}). The root job completes only
 * after the worker wrote the run's end (lib/workflows/step-hooks.ts), so one read after its push finds it.
 */
export async function waitForRun(id: string, timeoutMs = 60_000, opts: RunWaitOptions = {}): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  const stop = new AbortController();
  // Settles once (the root job ended, or the wait was stopped); after that only the polls wake the loop.
  let pushed: Promise<unknown> | undefined = opts.last
    ? resultListener(opts.last.queue)
        .wait(opts.last.jobId, stop.signal)
        .catch(() => undefined)
    : undefined;
  try {
    return await pollRun(id, timeoutMs, deadline, opts.pollMs ?? 50, async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const slept = new Promise((r) => (timer = setTimeout(r, ms)));
      const woke = await Promise.race([slept.then(() => false), ...(pushed ? [pushed.then(() => true)] : [])]);
      clearTimeout(timer);
      if (woke) pushed = undefined;
    });
  } finally {
    stop.abort();
  }
}

async function pollRun(id: string, timeoutMs: number, deadline: number, pollMs: number, pause: (ms: number) => Promise<void>): Promise<unknown> {
  for (;;) {
    // Only the fields it needs: the record also holds the plan (1 MB for a group of 10,000), read 20 times a second here.
    const [state, result, errorJson] = await getRedis().hmget(runKeys.run(id), 'state', 'result', 'error');
    if (!state) throw new NotFoundError(`Workflow run ${id} not found`);
    const error = errorJson ? (JSON.parse(errorJson) as WorkflowFailureDTO) : undefined;
    if (state === 'completed') return result ? (JSON.parse(result) as unknown) : undefined;
    if (state === 'failed') throw new Error(error?.step ? `Step ${error.step} failed: ${error.message}` : (error?.message ?? 'failed'));
    if (state === 'cancelled') throw new Error(`Workflow run ${id} was cancelled`);
    if (Date.now() > deadline) throw new GatewayTimeoutError(`Timed out after ${timeoutMs} ms waiting for workflow run ${id}`);
    await pause(Math.max(0, Math.min(pollMs, deadline - Date.now() + 1)));
  }
}
