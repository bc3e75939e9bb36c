import { cn } from '../../ui/cn';

/** Whether a rule's condition holds now, in words (not only in colour). */
export function FiringBadge({ firing, label }: { firing: boolean; label?: string }) {
  return (
    <span
      className={cn(
        'inline-flex rounded-full px-2 py-0.5 text-xs font-medium',
        firing ? 'bg-rose-100 text-rose-800 dark:bg-rose-900 dark:text-rose-100' : 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100',
      )}
    >
      {label ?? (firing ? 'Condition holds' : 'Condition does not hold')}
    </span>
  );
}
