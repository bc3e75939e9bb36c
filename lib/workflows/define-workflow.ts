import type { z } from 'zod';
import type { CanvasNode, Sig } from './canvas';

/**
 * A workflow defined in code: a name, a description, a zod schema of its
 * arguments (the console's Run form is generated from it, as for tasks) and
 * `build`, which makes the canvas from the arguments. The worker publishes it in
 * the catalogue and runs `build` when the console starts a run (the console
 * never runs user code); `startWorkflow()` runs it in the caller's process.
 */
export interface WorkflowDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType, Result = unknown> {
  name: Name;
  description: string;
  schema: Schema;
  /** The queue of its own jobs (start, group and map fan-outs): `default` unless set. On a Redis Cluster, in one group with its tasks' queues. */
  queue: string;
  build: (args: z.output<Schema>) => Sig<undefined, Result>;
  /** A task step run once with the failure as its `ctx.input` when the workflow fails (Celery's `link_error`). */
  onError?: CanvasNode & { kind: 'task' };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflow = WorkflowDefinition<string, any, any>;

/** What an `onError` task gets as `ctx.input`. */
export interface WorkflowFailure {
  runId: string;
  workflow: string;
  /** The step that failed, and its task. */
  step: string;
  task?: string;
  message: string;
}

/** Declare a workflow (see {@link WorkflowDefinition}); list it in `createRegistry(tasks, { workflows })`. */
export function defineWorkflow<const Name extends string, Schema extends z.ZodType, Result>(def: {
  name: Name;
  description: string;
  schema: Schema;
  queue?: string;
  build: (args: z.output<Schema>) => Sig<undefined, Result>;
  onError?: Sig<WorkflowFailure, unknown> | Sig<unknown, unknown>;
}): WorkflowDefinition<Name, Schema, Result> {
  if (!def.name.trim() || def.name.length > 200 || def.name.includes(':')) throw new Error(`Invalid workflow name "${def.name}": 1–200 characters, no ':'`);
  const queue = def.queue ?? 'default';
  if (!queue.trim() || queue.includes(':')) throw new Error(`Invalid queue "${queue}" for workflow "${def.name}": not empty, no ':'`);
  if (typeof def.build !== 'function') throw new Error(`Workflow "${def.name}": build must be a function of the arguments`);
  const onError = def.onError?.node;
  if (onError && onError.kind !== 'task') throw new Error(`Workflow "${def.name}": onError must be one task step (step(task, args))`);
  return { name: def.name, description: def.description, schema: def.schema, queue, build: def.build, ...(onError ? { onError } : {}) };
}
