import type { TaskDefinition } from './define-task';
import type { AnyWorkflow } from '../workflows/define-workflow';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = TaskDefinition<string, any, any, any>;

/** A fixed set of tasks, looked up by name; the type keeps each task's name and schema. */
export interface TaskRegistry<T extends AnyTask = AnyTask> {
  readonly tasks: readonly T[];
  get(name: string): T | undefined;
  /** The queues the tasks and workflows use, without duplicates. */
  queues(): string[];
  /** The workflows (lib/workflows/define-workflow.ts) this registry's workers can start. */
  readonly workflows?: readonly AnyWorkflow[];
  workflow?(name: string): AnyWorkflow | undefined;
}

/**
 * Build a registry of tasks and, optionally, workflows (`createRegistry([a, b], { workflows: [w] })`);
 * duplicate names are a programming error and throw.
 */
export function createRegistry<const T extends readonly AnyTask[]>(tasks: T, opts: { workflows?: readonly AnyWorkflow[] } = {}): TaskRegistry<T[number]> {
  const byName = new Map<string, T[number]>();
  for (const t of tasks) {
    if (byName.has(t.name)) throw new Error(`Task "${t.name}" is defined twice`);
    byName.set(t.name, t);
  }
  const workflows = opts.workflows ?? [];
  const flows = new Map<string, AnyWorkflow>();
  for (const w of workflows) {
    if (flows.has(w.name)) throw new Error(`Workflow "${w.name}" is defined twice`);
    flows.set(w.name, w);
  }
  return {
    tasks,
    get: (name) => byName.get(name),
    queues: () => [...new Set([...tasks.map((t) => t.queue), ...workflows.map((w) => w.queue)])],
    workflows,
    workflow: (name) => flows.get(name),
  };
}

export type TaskNames<R> = R extends TaskRegistry<infer T> ? T['name'] : never;
export type TaskByName<R, N> = R extends TaskRegistry<infer T> ? Extract<T, { name: N }> : never;
