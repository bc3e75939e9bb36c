import { cn } from './cn';

const colors: Record<string, string> = {
  completed: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  failed: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-200',
  active: 'bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-200',
  waiting: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  prioritized: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  delayed: 'bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-200',
  'waiting-children': 'bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-200',
};

/** Human label of a BullMQ state: "completed" → "Completed", "waiting-children" → "Waiting for children". */
export function stateLabel(state: string): string {
  if (state === 'waiting-children') return 'Waiting for children';
  return state.charAt(0).toUpperCase() + state.slice(1);
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span
      className={cn(
        'inline-block rounded-full px-2 py-0.5 text-xs font-semibold',
        colors[state] ?? 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
      )}
    >
      {stateLabel(state)}
    </span>
  );
}
