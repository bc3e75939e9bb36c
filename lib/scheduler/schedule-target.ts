/** What a schedule runs: a task, or a workflow. (No imports: the console's client components read it too.) */
export interface ScheduleTarget {
  kind: 'task' | 'workflow';
  name: string;
}

/** The target of a valid definition (the model guarantees exactly one of `task` and `workflow`). */
export function scheduleTarget(def: { task?: string; workflow?: string }): ScheduleTarget {
  return def.workflow !== undefined ? { kind: 'workflow', name: def.workflow } : { kind: 'task', name: def.task ?? '' };
}
