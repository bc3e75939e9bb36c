import type { WorkflowAttemptDTO, WorkflowRunDTO, WorkflowStepDTO } from '@/lib/workflows/run-dto';

/**
 * What the run page shows of a run: its DTO without what no part of the page reads (a step's
 * predecessors and successors, which the edges already say; its result, which its job page shows;
 * the worker and error of each attempt). The page passes this from the server to the browser, where
 * it is serialised into the HTML: a 1,000-step run's is a fifth lighter. Live re-reads bring the
 * whole DTO (GET /api/v1/workflow-runs/{id}), which fits this shape as it is.
 */
export type ShownAttempt = Omit<WorkflowAttemptDTO, 'worker' | 'error'>;
export type ShownStep = Omit<WorkflowStepDTO, 'parents' | 'children' | 'result' | 'attempts'> & { attempts: ShownAttempt[] };
export type ShownRun = Omit<WorkflowRunDTO, 'nodes'> & { nodes: ShownStep[] };

export function shownRun(run: WorkflowRunDTO): ShownRun {
  return {
    ...run,
    nodes: run.nodes.map(({ parents: _p, children: _c, result: _r, attempts, ...step }) => ({
      ...step,
      attempts: attempts.map(({ worker: _w, error: _e, ...a }) => a),
    })),
  };
}
