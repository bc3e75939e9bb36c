'use client';
import { useCallback, useState } from 'react';
import Link from 'next/link';
import type { JobDTO } from '@/lib/data/job-dto';
import type { Retention } from '@/lib/queue/job-options';
import { useRoom } from '../live/LiveProvider';
import { api, seg } from '../api';
import { Card } from '../ui/Card';
import { StateBadge } from '../ui/StateBadge';
import { ProgressBar } from '../ui/ProgressBar';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { Notice } from '../ui/Notice';
import { Fact } from '../ui/Fact';
import { JobActions } from './JobActions';
import { JobTimeline } from './JobTimeline';
import { JobOptions } from './JobOptions';
import { JobFlow } from './JobFlow';
import { JobLogs } from './JobLogs';
import { RawJob } from './RawJob';
import { ValueBlock } from './ValueBlock';
import { CopyButton } from './CopyButton';
import { JobHeld } from './JobHeld';
import { downloadHref, formatBytes } from './download';

/** One row of the Timing grid: a group named by its term, so each value can be found by it (the page's tests, assistive tech). */
function TimingFact({ label, className, children }: { label: string; className?: string; children: React.ReactNode }) {
  return (
    <Fact label={label} className="contents" listClassName="contents" termClassName="text-slate-500 dark:text-slate-400" valueClassName={className}>
      {children}
    </Fact>
  );
}

/**
 * The job page body: everything about one job, kept current through its
 * Socket.IO room. Every value a job holds is shown as text, and values larger
 * than 256 KB arrive as their first 64 KB (the server never sends them whole) with a download.
 */
export function JobView({ initial, argsSchema, workerRetention }: { initial: JobDTO; argsSchema?: Record<string, unknown>; workerRetention?: Retention }) {
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
        It was removed from Redis.{' '}
        <Link href={`/queues/${seg(queue)}`} className="underline">
          Back to queue {queue}
        </Link>
      </Notice>
    );
  }

  const numericProgress = typeof job.progress === 'number' ? job.progress : null;
  const finished = job.state === 'completed' || job.state === 'failed';
  const stacks = job.stack;
  const hasFlow = Boolean(job.parent || job.children);
  // More than one attempt in this run: the first start and the last attempt's differ.
  const retried = job.startedAt !== null && job.lastAttemptStartedAt !== null && job.lastAttemptStartedAt !== job.startedAt;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <span className="text-sm text-slate-500 dark:text-slate-400">State</span>
        <span role="status" aria-label="Job state">
          <StateBadge state={job.state} />
        </span>
        <span className="text-sm text-slate-500 dark:text-slate-400">
          {job.state === 'active'
            ? `attempt ${job.attemptsMade + 1} of ${job.attempts} running`
            : `${job.attemptsMade} of ${job.attempts} ${job.attempts === 1 ? 'attempt' : 'attempts'} used`}
        </span>
      </div>

      {job.held && <JobHeld held={job.held} />}

      {job.rerunOf && (
        <p className="text-sm">
          Re-run of{' '}
          <Link href={`/queues/${seg(queue)}/jobs/${seg(job.rerunOf)}`} className="text-indigo-700 underline dark:text-indigo-300">
            job {job.rerunOf}
          </Link>
        </p>
      )}
      {job.reruns.count > 0 && (
        <section aria-label="Re-runs" className="text-sm">
          <p>
            Re-run {job.reruns.count} {job.reruns.count === 1 ? 'time' : 'times'}:
          </p>
          <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
            {job.reruns.ids.map((r) => (
              <li key={r}>
                <Link href={`/queues/${seg(queue)}/jobs/${seg(r)}`} className="font-mono text-indigo-700 underline dark:text-indigo-300">
                  job {r}
                </Link>
              </li>
            ))}
          </ul>
          {job.reruns.ids.length < job.reruns.count && (
            <p className="text-xs text-slate-500 dark:text-slate-400">
              Showing {job.reruns.ids.length} of {job.reruns.count}.
            </p>
          )}
        </section>
      )}

      <JobActions job={job} argsSchema={argsSchema} />

      <Card title="Progress">
        {job.truncated.progress ? (
          <ValueBlock job={job} value={null} truncated={job.truncated.progress} part="progress" what="progress" label="Progress data" />
        ) : numericProgress !== null ? (
          <ProgressBar value={finished && job.state === 'completed' ? Math.max(numericProgress, 100) : numericProgress} label="Job progress" />
        ) : (
          <ValueBlock job={job} value={job.progress} part="progress" what="progress" label="Progress data" />
        )}
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Arguments">
          <ValueBlock job={job} value={job.args} truncated={job.truncated.args} part="args" what="arguments" />
        </Card>
        <Card title="Timing">
          <div className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <TimingFact label="Created">
              <Time ms={job.createdAt} />
            </TimingFact>
            <TimingFact label="Started">
              <Time ms={job.startedAt} />
              {!job.firstStartKnown && <span className="text-slate-500 dark:text-slate-400"> (earliest known: earlier attempts left no timing record)</span>}
            </TimingFact>
            <TimingFact label="Finished">
              <Time ms={job.finishedAt} />
            </TimingFact>
            {/* From the first start: every attempt and the backoff waits between them. */}
            <TimingFact label="Duration">{formatDuration(job.durationMs)}</TimingFact>
            {retried && (
              <>
                <TimingFact label="Last attempt started">
                  <Time ms={job.lastAttemptStartedAt} />
                </TimingFact>
                {job.lastAttemptDurationMs !== null && <TimingFact label="Last attempt took">{formatDuration(job.lastAttemptDurationMs)}</TimingFact>}
              </>
            )}
            <TimingFact label="Attempts">
              {/* BullMQ counts an attempt once it ends: while active, the running one is attemptsMade + 1. */}
              {job.state === 'active' ? `${job.attemptsMade + 1} of ${job.attempts}, running` : `${job.attemptsMade} of ${job.attempts}`}
            </TimingFact>
            {job.delayMs > 0 && !job.held && <TimingFact label="Delay">{formatDuration(job.delayMs)}</TimingFact>}
            {job.priority > 0 && <TimingFact label="Priority">{job.priority}</TimingFact>}
            {job.processedBy && (
              <TimingFact label="Worker" className="font-mono text-xs break-all">
                {job.processedBy}
              </TimingFact>
            )}
          </div>
        </Card>
      </div>

      {job.state === 'completed' && (
        <Card
          title="Result"
          actions={job.truncated.result ? undefined : <CopyButton label="Copy result" text={() => JSON.stringify(job.result, null, 2) ?? 'null'} />}
        >
          <ValueBlock job={job} value={job.result} truncated={job.truncated.result} part="result" what="result" />
        </Card>
      )}

      {job.error && (
        <Card title={job.state === 'failed' ? 'Error' : 'Error of an earlier attempt'}>
          <p
            role={job.state === 'failed' ? 'alert' : undefined}
            aria-label="Error message"
            className="mb-2 font-mono text-sm whitespace-pre-wrap break-words text-rose-700 dark:text-rose-300"
          >
            {job.error}
          </p>
          {job.truncated.error && (
            <p className="mb-2 text-sm">
              <a href={downloadHref(job, 'error')} download className="text-indigo-700 underline dark:text-indigo-300">
                Download the full error ({formatBytes(job.truncated.error.bytes)})
              </a>
            </p>
          )}
          {stacks.length > 0 && (
            <pre
              role="region"
              aria-label="Stack trace"
              tabIndex={0}
              className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-950"
            >
              {stacks[stacks.length - 1]}
            </pre>
          )}
          {job.truncated.stack && (
            <p className="text-sm">
              The stack traces are too large to show ({formatBytes(job.truncated.stack.bytes)}).{' '}
              <a href={downloadHref(job, 'stack')} download className="text-indigo-700 underline dark:text-indigo-300">
                Download the stack traces
              </a>
            </p>
          )}
          {stacks.length > 1 && (
            <details className="mt-2 text-sm">
              <summary className="cursor-pointer">Stack traces of the earlier failed attempts ({stacks.length - 1})</summary>
              <ol className="mt-2 space-y-2">
                {stacks.slice(0, -1).map((s, i) => (
                  <li key={i}>
                    <pre
                      tabIndex={0}
                      className="max-h-64 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-950"
                    >
                      {s}
                    </pre>
                  </li>
                ))}
              </ol>
            </details>
          )}
        </Card>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Timeline">
          <JobTimeline entries={job.timeline} />
        </Card>
        <Card title="Options">
          <JobOptions job={job} workerRetention={workerRetention} />
        </Card>
      </div>

      {hasFlow && (
        <Card title="Flow">
          <JobFlow job={job} />
        </Card>
      )}

      <Card title={`Logs (${job.logCount})`}>
        <JobLogs job={job} />
      </Card>

      <Card title="Raw">
        <RawJob job={job} />
      </Card>
    </div>
  );
}
