import { cn } from '../ui/cn';
import type { ScheduleDTO } from '@/lib/data/schedule-dto';

type Status = ScheduleDTO['status'];

const colors: Record<Status, string> = {
  active: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  paused: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  done: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
};

export const STATUS_LABEL: Record<Status, string> = { active: 'Active', paused: 'Paused', done: 'Done' };

/** Active / Paused / Done. */
export function ScheduleStatus({ status }: { status: Status }) {
  return <span className={cn('inline-block rounded-full px-2 py-0.5 text-xs font-semibold', colors[status])}>{STATUS_LABEL[status]}</span>;
}

/** "defined in code" for schedules declared next to the tasks; nothing for the console's own. */
export function SourceBadge({ source }: { source: 'ui' | 'code' }) {
  if (source !== 'code') return <span className="text-xs text-slate-500 dark:text-slate-400">console</span>;
  return (
    <span className="inline-block rounded-full bg-violet-100 px-2 py-0.5 text-xs font-semibold text-violet-800 dark:bg-violet-900/50 dark:text-violet-200">
      defined in code
    </span>
  );
}
