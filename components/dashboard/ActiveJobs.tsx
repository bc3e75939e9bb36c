import Link from 'next/link';
import type { ActiveJobs as ActiveJobsData } from '@/lib/events/contract';
import { seg } from '../api';
import { Table, Td, Th } from '../ui/Table';
import { ProgressBar } from '../ui/ProgressBar';
import { formatDuration } from '../ui/format';

/** Jobs running now (the longest-running first) with their progress, live. */
export function ActiveJobs({ active, now }: { active: ActiveJobsData; now: number }) {
  if (active.total === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No job is running.</p>;
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {active.total} running{active.total > active.jobs.length ? ` (the ${active.jobs.length} running longest shown)` : ''}.
      </p>
      <Table caption="Active jobs">
        <thead>
          <tr>
            <Th>Job</Th>
            <Th>Queue</Th>
            <Th>Progress</Th>
            <Th numeric>Running for</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {active.jobs.map((j) => (
            <tr key={`${j.queue}/${j.id}`}>
              <Td>
                <Link href={`/queues/${seg(j.queue)}/jobs/${seg(j.id)}`} className="underline">
                  {j.task} #{j.id}
                </Link>
              </Td>
              <Td>{j.queue}</Td>
              <Td className="min-w-40">
                {typeof j.progress === 'number' ? (
                  <ProgressBar value={j.progress} label={`Progress of ${j.task} #${j.id}`} />
                ) : j.progress ? (
                  <code className="text-xs break-all">{JSON.stringify(j.progress).slice(0, 80)}</code>
                ) : (
                  <span className="text-slate-500 dark:text-slate-400">—</span>
                )}
              </Td>
              <Td numeric>{j.startedAt ? formatDuration(Math.max(0, now - j.startedAt)) : '—'}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
