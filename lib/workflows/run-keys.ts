import { celerityKeys } from '../keys';
import { env } from '../env';
import { queueNames } from '../queue/queue-names';
import type { WorkflowRunState } from './run-dto';

/** The Redis keys of workflow runs (lib/workflows/run-store.ts describes them). */

// celerityKeys() builds every key name of the deployment (an object of closures): too dear for every step of a
// workflow (a third of the worker's time in a group of 10,000). Its base depends only on the env and the queue
// naming, so it is kept per pair of those (both are cached objects: a test that resets one gets a new base).
let baseCache: { env: object; names: object; base: string } | undefined;

function base(): string {
  const e = env();
  const names = queueNames();
  if (baseCache?.env !== e || baseCache.names !== names) {
    const tasks = celerityKeys(e.CELERITY_PREFIX).tasks;
    baseCache = { env: e, names, base: tasks.slice(0, -':tasks'.length) };
  }
  return baseCache.base;
}

export const runKeys = {
  /** Finished runs (completed, failed, cancelled) by end time: what retention prunes (lib/workflows/run-retention.ts). */
  finished: () => `${base()}:wf:runs:finished`,
  run: (id: string) => `${base()}:wf:run:${id}`,
  steps: (id: string) => `${base()}:wf:run:${id}:steps`,
  inputs: (id: string) => `${base()}:wf:run:${id}:inputs`,
  tasks: (id: string) => `${base()}:wf:run:${id}:tasks`,
  done: (id: string) => `${base()}:wf:run:${id}:done`,
  /** Steps failed for good and not retried yet: step id → failure JSON (lib/workflows/failures.ts). */
  failed: (id: string) => `${base()}:wf:run:${id}:failed`,
  /** Runs by creation time: all, or of one workflow and/or one state. */
  index: (filter: { workflow?: string; state?: WorkflowRunState } = {}) =>
    `${base()}:wf:runs` + (filter.workflow !== undefined ? `:w:${filter.workflow}` : '') + (filter.state ? `:s:${filter.state}` : ''),
};

/** The indexes a run of `workflow` in `state` is listed in. */
export function indexKeys(workflow: string, state: WorkflowRunState): string[] {
  return [runKeys.index(), runKeys.index({ workflow }), runKeys.index({ state }), runKeys.index({ workflow, state })];
}
