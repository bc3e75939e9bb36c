import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import { InvalidError } from '../errors';
import { queueNames } from '../queue/queue-names';
import type { CanvasNode } from './canvas';

/**
 * A canvas checked and numbered: what a run stores and its worker hooks read.
 * Step ids are places in the tree (`0`, `0.1`, `0.1.2`); a chain is no step of
 * its own (it only orders its members), a group or map is one (the fan-out job).
 *
 * `input` says where a task step's `ctx.input` comes from when it starts:
 * `child` — its predecessor is its only BullMQ child (a chain); `store` — it is
 * the first step of a group member or map item, whose input the fan-out job
 * wrote into the run store; `none` — the workflow's first step.
 */
export type PlanNode =
  | { kind: 'task'; id: string; task: string; queue: string; args: unknown; input: InputSource }
  | { kind: 'chain'; id: string; steps: PlanNode[] }
  | { kind: 'group'; id: string; queue: string; members: PlanNode[]; continueOnFailure: boolean; input: InputSource }
  | {
      kind: 'map';
      id: string;
      queue: string;
      task: string;
      taskQueue: string;
      args?: unknown;
      members?: PlanNode[];
      continueOnFailure: boolean;
      input: InputSource;
    };

export type InputSource = 'child' | 'store' | 'none';
export type FanOutNode = Extract<PlanNode, { kind: 'group' | 'map' }>;
export type TaskNode = Extract<PlanNode, { kind: 'task' }>;

/** How a tree is checked: the tasks a worker knows, and the queue fan-out jobs run on. */
export interface PlanOptions {
  /** Tasks the run may use (a worker's registry): others are refused as unknown. Absent: any defined task. */
  registry?: TaskRegistry;
  /** The queue of the workflow's own jobs (group and map fan-outs). */
  queue: string;
}

/**
 * Check a canvas and number its steps. Every problem is an InvalidError naming
 * the step (`steps.<id>…` in `field`): a cycle, an unknown task, arguments that
 * fail the task's schema, an empty chain or group, queues without a shared hash
 * tag on a Redis Cluster. Nothing is written anywhere.
 */
export function buildPlan(root: CanvasNode, opts: PlanOptions): PlanNode {
  const tasks = new Set<AnyTask>();
  const plan = number(root, '0', 'none', new Set(), opts, tasks);
  checkSharedTag(plan, opts.queue);
  return plan;
}

function number(node: CanvasNode, id: string, input: InputSource, path: Set<CanvasNode>, opts: PlanOptions, tasks: Set<AnyTask>): PlanNode {
  if (typeof node !== 'object' || node === null) throw invalid(id, 'not a step (use step(), chain(), group(), chord(), map() or mapEach())');
  if (path.has(node)) throw invalid(id, 'cycle: this step contains itself');
  const inner = new Set(path).add(node);
  switch (node.kind) {
    case 'task':
      return { kind: 'task', id, task: known(node.task, id, opts, tasks).name, queue: node.task.queue, args: checkedArgs(node.task, node.args, id), input };
    case 'chain': {
      if (!node.steps.length) throw invalid(id, 'an empty chain');
      const steps = node.steps.map((s, i) => number(s, `${id}.${i}`, i === 0 ? input : 'child', inner, opts, tasks));
      return { kind: 'chain', id, steps };
    }
    case 'group': {
      if (!node.members.length) throw invalid(id, 'an empty group');
      const members = node.members.map((m, i) => number(m, `${id}.${i}`, 'store', inner, opts, tasks));
      return { kind: 'group', id, queue: opts.queue, members, continueOnFailure: node.continueOnFailure, input };
    }
    case 'map': {
      const task = known(node.task, id, opts, tasks);
      const base = { kind: 'map' as const, id, queue: opts.queue, task: task.name, taskQueue: task.queue, continueOnFailure: node.continueOnFailure, input };
      if (!node.items) return { ...base, args: checkedArgs(task, node.args ?? {}, id) };
      const members = node.items.map((args, i): PlanNode => {
        const mid = `${id}.${i}`;
        return { kind: 'task', id: mid, task: task.name, queue: task.queue, args: checkedArgs(task, args, mid), input: 'store' };
      });
      return { ...base, members };
    }
    default:
      throw invalid(id, `unknown kind "${(node as { kind?: unknown }).kind}"`);
  }
}

function known(task: AnyTask, id: string, opts: PlanOptions, seen: Set<AnyTask>): AnyTask {
  if (!task || typeof task.name !== 'string') throw invalid(id, 'no task');
  if (seen.has(task)) return task;
  const found = opts.registry ? opts.registry.get(task.name) : task;
  if (!found) throw invalid(id, `unknown task "${task.name}"`);
  seen.add(task);
  return found;
}

function checkedArgs(task: AnyTask, args: unknown, id: string): unknown {
  const parsed = task.schema.safeParse(args ?? {});
  if (parsed.success) return args ?? {};
  const issue = parsed.error.issues[0]!;
  const at = issue.path.map(String).join('.');
  throw new InvalidError(`Step ${id} (${task.name}): args${at ? `.${at}` : ''}: ${issue.message}`, `steps.${id}.args${at ? `.${at}` : ''}`);
}

function invalid(id: string, message: string): InvalidError {
  return new InvalidError(`Step ${id}: ${message}`, `steps.${id}`);
}

/** On a Redis Cluster a flow's jobs are added in one MULTI: every queue of the run needs one hash tag (a queue group). */
function checkSharedTag(plan: PlanNode, queue: string): void {
  const names = queueNames();
  if (!names.clustered) return;
  const tag = names.tagOf(queue);
  for (const n of planSteps(plan)) {
    const q = n.kind === 'map' ? n.taskQueue : n.queue;
    if (names.tagOf(q) !== tag) {
      throw invalid(n.id, `queue "${q}" does not share a hash tag with the workflow's queue "${queue}": put them in one CELERITY_QUEUE_GROUPS group`);
    }
  }
}

/** Every step of a plan (task, group and map nodes; not chains), in tree order. */
export function planSteps(node: PlanNode): Exclude<PlanNode, { kind: 'chain' }>[] {
  switch (node.kind) {
    case 'task':
      return [node];
    case 'chain':
      return node.steps.flatMap(planSteps);
    case 'group':
      return [node, ...node.members.flatMap(planSteps)];
    case 'map':
      return [node, ...(node.members ?? []).flatMap(planSteps)];
  }
}

/** The step whose job is the BullMQ root of the node's flow: its result is the node's result. */
export function rootStep(node: PlanNode): Exclude<PlanNode, { kind: 'chain' }> {
  return node.kind === 'chain' ? rootStep(node.steps[node.steps.length - 1]!) : node;
}

/** The steps of a node that read their input from the store (its first steps). */
export function storeInputSteps(node: PlanNode): string[] {
  if (node.kind === 'chain') return storeInputSteps(node.steps[0]!);
  return node.input === 'store' ? [node.id] : [];
}

/** A fan-out's members' root steps, in order: their results are its result. */
export function memberRoots(node: FanOutNode): string[] {
  return (node.members ?? []).map((m) => rootStep(m).id);
}
