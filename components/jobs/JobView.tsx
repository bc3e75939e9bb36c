'use client';
import { useCallback, useState } from 'react';
import Link from 'next/link';
import type { JobDTO } from '@/lib/data/job-dto';
import { useRoom } from '../live/LiveProvider';
import { api, seg } from '../api';
import { Card } from '../ui/Card';
import { StateBadge } from '../ui/StateBadge';
import { ProgressBar } from '../ui/ProgressBar';
import { JsonBlock } from '../ui/JsonBlock';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { Notice } from '../ui/Notice';
import { JobActions } from './JobActions';

/** The job page body: everything about one job, kept current through its Socket.IO room. */
export function JobView({ initial }: { initial: JobDTO }) {
  const [job, setJob] = useState<JobDTO | null>(initial);
  const { queue, id } = initial;

  const refetch = useCallback(() => {
    api<JobDTO>(`/api/v1/queues/${seg(queue)}/jobs/${seg(id)}`).then(setJob, () => {
      // Redis away or job gone: keep what is shown; the next event or resync corrects it.
    });
  }, [queue, id]);

  useRoom(`job:${queue}:${id}`, { job: (p) => p.queue === queue && p.id === id && setJob(p.job) }, refetch);

  if (!job) {
    return (
      <Notice title="This job no longer exists">
        It was removed from Redis. <Link href={`/queues/${seg(queue)}`} className="underline">Back to queue {queue}</Link>
      </Notice>
    );
  }

  const numericProgress = typeof job.progress === 'number' ? job.progress : null;
  const finished = job.state === 'completed' || job.state === 'failed';
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <span className="text-sm text-slate-500">State</span>
        <span role="status" aria-label="Job state">
          <StateBadge state={job.state} />
        </span>
        <span className="text-sm text-slate-500">
          {job.attemptsMade} of {job.attempts} {job.attempts === 1 ? 'attempt' : 'attempts'} used
        </span>
      </div>

      {job.rerunOf && (
        <p className="text-sm">
          Re-run of{' '}
          <Link href={`/queues/${seg(queue)}/jobs/${seg(job.rerunOf)}`} className="text-indigo-700 underline dark:text-indigo-300">
            job {job.rerunOf}
          </Link>
        </p>
      )}

      <JobActions job={job} />

      <Card title="Progress">
        {numericProgress !== null ? (
          <ProgressBar value={finished && job.state === 'completed' ? Math.max(numericProgress, 100) : numericProgress} label="Job progress" />
        ) : (
          <JsonBlock value={job.progress} label="Progress data" />
        )}
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Arguments">
          <JsonBlock value={job.args} />
        </Card>
        <Card title="Timing">
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500">Created</dt>
            <dd><Time ms={job.createdAt} /></dd>
            <dt className="text-slate-500">Started</dt>
            <dd><Time ms={job.startedAt} /></dd>
            <dt className="text-slate-500">Finished</dt>
            <dd><Time ms={job.finishedAt} /></dd>
            <dt className="text-slate-500">Duration</dt>
            <dd>{formatDuration(job.durationMs)}</dd>
            <dt className="text-slate-500">Attempts made</dt>
            <dd>{job.attemptsMade}</dd>
            {job.delayMs > 0 && (
              <>
                <dt className="text-slate-500">Delay</dt>
                <dd>{formatDuration(job.delayMs)}</dd>
              </>
            )}
            {job.priority > 0 && (
              <>
                <dt className="text-slate-500">Priority</dt>
                <dd>{job.priority}</dd>
              </>
            )}
          </dl>
        </Card>
      </div>

      {job.state === 'completed' && (
        <Card title="Result">
          <JsonBlock value={job.result} />
        </Card>
      )}

      {job.error && (
        <Card title="Error">
          <p role={job.state === 'failed' ? 'alert' : undefined} aria-label="Error message" className="mb-2 font-mono text-sm whitespace-pre-wrap break-words text-rose-700 dark:text-rose-300">
            {job.error}
          </p>
          {job.stack.length > 0 && (
            <pre role="region" aria-label="Stack trace" tabIndex={0} className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-950">
              {job.stack[job.stack.length - 1]}
            </pre>
          )}
        </Card>
      )}

      <Card title={`Logs (${job.logCount})`}>
        {job.logs.length === 0 ? (
          <p className="text-sm text-slate-500">No log lines yet.</p>
        ) : (
          <ol aria-label="Log lines" aria-live="polite" className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs dark:bg-slate-950">
            {job.logs.map((line, i) => (
              <li key={`${job.logCount - job.logs.length + i}`} className="whitespace-pre-wrap break-all">
                {line}
              </li>
            ))}
          </ol>
        )}
        {job.logCount > job.logs.length && <p className="mt-2 text-xs text-slate-500">Showing the last {job.logs.length} of {job.logCount} lines.</p>}
      </Card>
    </div>
  );
}
