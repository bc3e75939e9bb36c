import Link from 'next/link';
import type { JobDTO } from '@/lib/data/job-dto';
import { seg } from '../api';
import { StateBadge } from '../ui/StateBadge';

const statusState = { pending: 'waiting', completed: 'completed', failed: 'failed', ignored: 'failed' } as const;

function JobLink({ queue, id }: { queue: string | null; id: string }) {
  if (queue === null) return <span className="font-mono text-xs">{id}</span>;
  return (
    <Link href={`/queues/${seg(queue)}/jobs/${seg(id)}`} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">
      {queue} / {id}
    </Link>
  );
}

/** A flow job's parent and children (counts exact; up to 50 children listed per kind). */
export function JobFlow({ job }: { job: JobDTO }) {
  const c = job.children;
  const listed = c?.jobs.length ?? 0;
  const total = c ? c.counts.pending + c.counts.completed + c.counts.failed + c.counts.ignored : 0;
  return (
    <div className="space-y-3 text-sm">
      {job.parent && (
        <p>
          Parent: <JobLink queue={job.parent.queue} id={job.parent.id} />
        </p>
      )}
      {c && (
        <>
          <p className="text-slate-600 dark:text-slate-400">
            {total} {total === 1 ? 'child' : 'children'}: {c.counts.completed} completed, {c.counts.pending} pending, {c.counts.failed} failed
            {c.counts.ignored ? `, ${c.counts.ignored} failed and ignored` : ''}.
          </p>
          <ul aria-label="Children" className="space-y-1">
            {c.jobs.map((ch) => (
              <li key={`${ch.status}:${ch.queue}:${ch.id}`} className="flex items-center gap-2">
                <StateBadge state={statusState[ch.status]} />
                <JobLink queue={ch.queue} id={ch.id} />
              </li>
            ))}
          </ul>
          {listed < total && (
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Showing {listed} of {total}.
            </p>
          )}
        </>
      )}
    </div>
  );
}
