import type { WorkflowRunState, WorkflowStepState } from '@/lib/workflows/run-dto';

type AnyState = WorkflowRunState | WorkflowStepState;

/**
 * Colours of run and step states, always shown with the state's name (never
 * colour alone). Badge classes for text on light/dark backgrounds; `stroke`
 * is the graph node's border, `bar` the timeline's running bar.
 */
const palette: Record<AnyState, { badge: string; stroke: string }> = {
  pending: { badge: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100', stroke: 'border-slate-400' },
  waiting: { badge: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100', stroke: 'border-slate-400' },
  queued: { badge: 'bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100', stroke: 'border-amber-500' },
  running: { badge: 'bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100', stroke: 'border-sky-500' },
  active: { badge: 'bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100', stroke: 'border-sky-500' },
  completed: { badge: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100', stroke: 'border-emerald-500' },
  failed: { badge: 'bg-rose-100 text-rose-900 dark:bg-rose-900/50 dark:text-rose-100', stroke: 'border-rose-600' },
  cancelled: { badge: 'bg-zinc-200 text-zinc-800 dark:bg-zinc-700 dark:text-zinc-100', stroke: 'border-zinc-500 border-dashed' },
};

const fallback = palette.pending;

/** "completed" → "Completed". */
export function workflowStateLabel(state: string): string {
  return state.charAt(0).toUpperCase() + state.slice(1);
}

export function badgeClass(state: string): string {
  return (palette[state as AnyState] ?? fallback).badge;
}

export function strokeClass(state: string): string {
  return (palette[state as AnyState] ?? fallback).stroke;
}

/** Whether a run has reached one of its ends (nothing more will change without a retry). */
export function runFinished(state: WorkflowRunState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}
