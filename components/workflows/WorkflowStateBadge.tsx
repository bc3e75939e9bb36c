import { cn } from '../ui/cn';
import { badgeClass, workflowStateLabel } from './workflow-states';

/** A run's or a step's state: its name on a coloured pill. */
export function WorkflowStateBadge({ state, className }: { state: string; className?: string }) {
  return <span className={cn('inline-block rounded-full px-2 py-0.5 text-xs font-semibold', badgeClass(state), className)}>{workflowStateLabel(state)}</span>;
}
