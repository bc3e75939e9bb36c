import { FlowProducer, type FlowJob, type JobsOptions } from 'bullmq';
import { env } from '../env';
import { getRedis } from '../redis';
import { bullQueueName } from '../queue/queue-names';
import { bullJobOptions } from '../queue/add-task-job';
import { jobOptionsSchema } from '../queue/job-options';
import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import type { FanOutNode, PlanNode } from './plan';

/**
 * How a plan becomes BullMQ flows — the one design of Celerity's workflows.
 *
 * A BullMQ flow is a tree whose leaves run first and whose parent runs once all its
 * children completed, reading their results (`getChildrenValues`). So:
 *
 * - **chain(a, b, c)** is the tree c ← b ← a: `a` is the deepest job and runs first, `b`
 *   is `a`'s parent and runs when `a` completed, reading `a`'s result as its input
 *   (`ctx.input`, from its only child's value — never merged into its arguments), and so on.
 *   The whole static part of a workflow is added at once, by one FlowProducer call.
 * - **group / map / chord** cannot be a static tree after a step (a job has one parent, and
 *   every member needs the predecessor's result): a fan-out job (`celerity.workflow.fanout`,
 *   in the workflow's queue) stands in the tree where the group is. When it runs (its
 *   predecessor, its only child, completed) it writes its input into the run store for the
 *   members' first steps, adds each member's flow with itself as their parent, and waits
 *   (`moveToWaitingChildren`). When the members completed, it runs again and returns their
 *   results in order — which its own parent (a chord's callback) reads as its input. A map
 *   over the previous result is the same job, adding one member per item at run time.
 * - Job ids are `wf.<run>.<step>`: a fan-out or a start re-run after a crash adds the same
 *   jobs again, which BullMQ ignores, and a step's id tells the worker hooks its run.
 * - **Failures**: a step that failed for good leaves its parent waiting for it, so retrying
 *   the step (the console's retry) completes it and the tree moves on from there; the run
 *   record is marked failed by the worker hook (lib/workflows/step-hooks.ts). In a group that
 *   continues on failure, the member's root job ignores its failure for its parent
 *   (`ignoreDependencyOnFailure`) and the jobs inside the member fail their parent
 *   (`failParentOnFailure`), so the fan-out runs again once every member finished and
 *   reads the failures (`getIgnoredChildrenFailures`).
 *
 * BullMQ's own scripts move a parent once, when its last child completes: so a step
 * completed twice (a worker killed after its handler returned) never advances the
 * workflow twice.
 */

export const FANOUT_JOB = 'celerity.workflow.fanout';
export const START_JOB = 'celerity.workflow.start';

/** The BullMQ job id of a step (`wf.<run>.<step>`): no `:` (BullMQ refuses it), dots only. */
export function stepJobId(runId: string, step: string): string {
  return `wf.${runId}.${step}`;
}

/** The run and step of a job id, when it is a workflow's. */
export function parseStepJobId(jobId: string | undefined): { runId: string; step: string } | undefined {
  // Every job a worker takes is asked: most are no step, and a prefix test is cheaper than the pattern.
  const m = jobId?.startsWith('wf.') ? /^wf\.([0-9a-f]{16})\.(.+)$/.exec(jobId) : null;
  return m ? { runId: m[1]!, step: m[2]! } : undefined;
}

/** What compiling needs: the run, its tasks' definitions (for their job options). */
export interface FlowContext {
  runId: string;
  registry: TaskRegistry;
}

/**
 * The flow of a node, with `child` (the predecessor's flow) as the first job's child.
 * `tolerated`: inside a member of a group that continues on failure.
 */
export function flowOf(node: PlanNode, child: FlowJob | undefined, ctx: FlowContext, tolerated = false): FlowJob {
  const children = child ? [child] : undefined;
  const failParent: JobsOptions = tolerated ? { failParentOnFailure: true } : {};
  switch (node.kind) {
    case 'task': {
      const opts = { ...taskJobOptions(ctx.registry, node.task), ...failParent, jobId: stepJobId(ctx.runId, node.id) };
      return { name: node.task, queueName: bullQueueName(node.queue), data: node.args ?? {}, opts, ...(children ? { children } : {}) };
    }
    case 'chain':
      return node.steps.reduce<FlowJob | undefined>((prev, s) => flowOf(s, prev, ctx, tolerated), child)!;
    default:
      return fanOutFlow(node, children, ctx, failParent);
  }
}

function fanOutFlow(node: FanOutNode, children: FlowJob[] | undefined, ctx: FlowContext, opts: JobsOptions): FlowJob {
  return {
    name: FANOUT_JOB,
    queueName: bullQueueName(node.queue),
    data: { run: ctx.runId, step: node.id },
    opts: { ...opts, jobId: stepJobId(ctx.runId, node.id), removeOnComplete: false, removeOnFail: false },
    ...(children ? { children } : {}),
  };
}

/** A member's flow, hung under its fan-out job (BullMQ adds it with that job as its parent). */
export function memberFlow(member: PlanNode, fanOut: FanOutNode, ctx: FlowContext, tolerated: boolean): FlowJob {
  const flow = flowOf(member, undefined, ctx, tolerated || fanOut.continueOnFailure);
  const onFailure: JobsOptions = fanOut.continueOnFailure ? { ignoreDependencyOnFailure: true } : {};
  const { failParentOnFailure: _drop, ...rest } = flow.opts ?? {};
  const parentOpts = tolerated && !fanOut.continueOnFailure ? { failParentOnFailure: true } : {};
  return {
    ...flow,
    opts: {
      ...rest,
      ...parentOpts,
      ...onFailure,
      parent: { id: stepJobId(ctx.runId, fanOut.id), queue: `${env().CELERITY_PREFIX}:${bullQueueName(fanOut.queue)}` },
    },
  };
}

const optionsCache = new WeakMap<AnyTask, JobsOptions>();

/** A task's job options (its defaults and retention), as `enqueue()` gives its jobs. */
function taskJobOptions(registry: TaskRegistry, name: string): JobsOptions {
  const def = registry.get(name);
  if (!def) return {};
  let opts = optionsCache.get(def);
  if (!opts) optionsCache.set(def, (opts = bullJobOptions(jobOptionsSchema.parse(def.defaults ?? {}), def.retention)));
  return { ...opts };
}

type Holder = { __celerityFlowProducer?: FlowProducer };
const holder = globalThis as unknown as Holder;

/** The process's FlowProducer, on the shared command connection (made on first use). */
export function flowProducer(): FlowProducer {
  holder.__celerityFlowProducer ??= new FlowProducer({ connection: getRedis(), prefix: env().CELERITY_PREFIX });
  return holder.__celerityFlowProducer;
}

/** Close the FlowProducer (tests, shutdown); the shared connection is closed separately. */
export async function closeFlowProducer(): Promise<void> {
  const p = holder.__celerityFlowProducer;
  holder.__celerityFlowProducer = undefined;
  await p?.close();
}
