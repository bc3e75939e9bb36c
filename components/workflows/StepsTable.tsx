'use client';
import { memo } from 'react';
import Link from 'next/link';
import type { ShownStep } from './shown-run';
import { seg } from '../api';
import { Table, Td, Th } from '../ui/Table';
import { WorkflowStateBadge } from './WorkflowStateBadge';
import { stepPercent } from './flow-elements';
import { useFirstRows } from './ShowAll';

/** One row; its props are plain values, so it re-renders only when the step's shown values change. */
const StepRow = memo(function StepRow({
  id,
  label,
  task,
  state,
  percent,
  attempts,
  href,
  error,
}: {
  id: string;
  label: string;
  task: string | null;
  state: string;
  percent: number | null;
  attempts: number;
  href: string | null;
  error: string | undefined;
}) {
  return (
    <tr>
      <Td className="font-mono text-xs">{id}</Td>
      <Td>
        {href ? (
          // No prefetch: a large run's table links to a hundred job pages, each visible link would fetch its page.
          <Link href={href} prefetch={false} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
            {label}
          </Link>
        ) : (
          <span className="font-medium">{label}</span>
        )}
        {task && task !== label && <span className="block text-xs text-slate-600 dark:text-slate-400">{task}</span>}
      </Td>
      <Td>
        <WorkflowStateBadge state={state} />
      </Td>
      <Td numeric>{percent === null ? '—' : `${percent}%`}</Td>
      <Td numeric>{attempts}</Td>
      <Td className="max-w-md truncate text-rose-700 dark:text-rose-300">{error}</Td>
    </tr>
  );
});

/**
 * The graph's text alternative: every step with its state, progress and a
 * link to its job page (when its job exists).
 */
export function StepsTable({ steps }: { steps: ShownStep[] }) {
  const { shown, more } = useFirstRows(steps, 'steps');
  return (
    <div className="space-y-2">
      <Table caption={`Steps of this run (${steps.length}), in workflow order${shown.length < steps.length ? `: the first ${shown.length}` : ''}`} showCaption>
        <thead>
          <tr>
            <Th>Step</Th>
            <Th>Task</Th>
            <Th>State</Th>
            <Th numeric>Progress</Th>
            <Th numeric>Attempts</Th>
            <Th>Error</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {shown.map((s) => (
            <StepRow
              key={s.id}
              id={s.id}
              label={s.label}
              task={s.task}
              state={s.state}
              percent={stepPercent(s.progress)}
              attempts={s.attempts.length}
              href={s.jobId ? `/queues/${seg(s.queue)}/jobs/${seg(s.jobId)}` : null}
              error={s.error}
            />
          ))}
        </tbody>
      </Table>
      {more}
    </div>
  );
}
