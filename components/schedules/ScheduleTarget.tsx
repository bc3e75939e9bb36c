import Link from 'next/link';
import type { ScheduleDefinition } from '@/lib/scheduler/schedule-model';
import { scheduleTarget } from '@/lib/scheduler/schedule-target';
import { seg } from '../api';

const linkClass = 'text-indigo-700 hover:underline dark:text-indigo-300';

/** The Workflows page filtered to one workflow's runs (where a workflow schedule's runs are listed). */
export function workflowRunsHref(workflow: string): string {
  return `/workflows?workflow=${encodeURIComponent(workflow)}`;
}

/** What a schedule runs, linked: a task to its page; a workflow to its page, with a link to its runs. */
export function ScheduleTarget({ definition }: { definition: Pick<ScheduleDefinition, 'task' | 'workflow'> }) {
  const t = scheduleTarget(definition);
  if (t.kind === 'task') {
    return (
      <Link href={`/tasks/${seg(t.name)}`} className={linkClass}>
        {t.name}
      </Link>
    );
  }
  return (
    <span className="inline-flex flex-wrap items-baseline gap-x-1.5">
      <Link href={`/workflows/${seg(t.name)}`} className={linkClass}>
        {t.name}
      </Link>
      <span className="text-xs text-slate-500 dark:text-slate-400">(workflow,</span>
      <Link href={workflowRunsHref(t.name)} className={`text-xs ${linkClass}`} aria-label={`Runs of workflow ${t.name}`}>
        runs
      </Link>
      <span className="-ml-1.5 text-xs text-slate-500 dark:text-slate-400">)</span>
    </span>
  );
}
