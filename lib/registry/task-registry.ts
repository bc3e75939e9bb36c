import type { TaskDefinition } from './define-task';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = TaskDefinition<string, any, any>;

/** A fixed set of tasks, looked up by name; the type keeps each task's name and schema. */
export interface TaskRegistry<T extends AnyTask = AnyTask> {
  readonly tasks: readonly T[];
  get(name: string): T | undefined;
  /** The queues the tasks use, without duplicates. */
  queues(): string[];
}

/** Build a registry; duplicate task names are a programming error and throw. */
export function createRegistry<const T extends readonly AnyTask[]>(tasks: T): TaskRegistry<T[number]> {
  const byName = new Map<string, T[number]>();
  for (const t of tasks) {
    if (byName.has(t.name)) throw new Error(`Task "${t.name}" is defined twice`);
    byName.set(t.name, t);
  }
  return {
    tasks,
    get: (name) => byName.get(name),
    queues: () => [...new Set(tasks.map((t) => t.queue))],
  };
}

export type TaskNames<R> = R extends TaskRegistry<infer T> ? T['name'] : never;
export type TaskByName<R, N> = R extends TaskRegistry<infer T> ? Extract<T, { name: N }> : never;
