import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { z } from 'zod';
import { load } from '@/lib/data/load';
import { getQueueDetail } from '@/lib/data/queue-dto';
import { JOB_STATES, type JobStateName } from '@/lib/data/queue-states';
import { listJobs } from '@/lib/data/job-list';
import { PageHeader } from '@/components/ui/PageHeader';
import { PageSizeField, pageSizeSchema } from '@/components/ui/PageSizeField';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Table, Th, Td } from '@/components/ui/Table';
import { stateLabel } from '@/components/ui/StateBadge';
import { Time } from '@/components/ui/Time';
import { formatDuration } from '@/components/ui/format';
import { inputClass } from '@/components/ui/Field';
import { QueueActions } from '@/components/queues/QueueActions';
import { QueueStateTabs } from '@/components/queues/QueueStateTabs';
import { AddJobForm } from '@/components/queues/AddJobForm';
import { RetentionCard } from '@/components/queues/RetentionCard';
import { Age } from '@/components/queues/Age';
import { HeldSummary } from '@/components/queues/HeldSummary';
import { HeldBadge } from '@/components/queues/HeldBadge';
import { seg } from '@/components/api';
import { decodeSegment } from '@/components/queues/segment';

export const dynamic = 'force-dynamic';

/** States whose jobs wait to be taken: their rows say when one is held back by its task's limits. */
const HOLDING_STATES: readonly JobStateName[] = ['waiting', 'prioritized', 'delayed'];
const querySchema = z.object({
  state: z.enum(JOB_STATES).catch('waiting'),
  page: z.coerce.number().int().min(1).catch(1),
  size: pageSizeSchema,
  name: z.string().trim().max(200).optional().catch(undefined),
  job: z.string().trim().max(300).optional().catch(undefined),
});

type Props = { params: Promise<{ queue: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

// Next 16 hands generateMetadata the segment already decoded, but the page its URL-encoded form:
// each is decoded exactly once (decoding the metadata's again broke names holding '%').
export async function generateMetadata({ params }: Props) {
  return { title: `Queue ${(await params).queue}` };
}

export default async function QueuePage({ params, searchParams }: Props) {
  const queue = decodeSegment((await params).queue);
  const q = querySchema.parse(await searchParams);
  // "Jump to job": the job page says whether it exists.
  if (q.job) redirect(`/queues/${seg(queue)}/jobs/${seg(q.job)}`);
  const res = await load(async () => {
    const summary = await getQueueDetail(queue);
    const page = await listJobs(queue, q.state, q.page, q.size, q.name || undefined);
    return { summary, page };
  });
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  const { summary, page } = res.data;
  const pages = page.total === null ? null : Math.max(1, Math.ceil(page.total / page.pageSize));
  const href = (state: JobStateName, p = 1) => {
    const sp = new URLSearchParams({ state });
    if (p > 1) sp.set('page', String(p));
    if (q.size !== 25) sp.set('size', String(q.size));
    if (page.name) sp.set('name', page.name);
    return `/queues/${seg(queue)}?${sp.toString()}`;
  };
  const hrefs = Object.fromEntries(JOB_STATES.map((s) => [s, href(s)])) as Record<JobStateName, string>;
  const holding = HOLDING_STATES.includes(q.state);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/queues" className="hover:underline">
          Queues
        </Link>{' '}
        / {queue}
      </nav>
      <PageHeader title={`Queue ${queue}`} description={summary.paused ? 'Paused: workers take no new jobs.' : 'Running.'} />
      <dl aria-label="Queue facts" className="mb-4 flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="flex gap-2">
          <dt className="text-slate-500 dark:text-slate-400">Workers</dt>
          <dd className="tabular-nums">{summary.workers}</dd>
        </div>
        <div className="flex gap-2">
          <dt className="text-slate-500 dark:text-slate-400">Oldest waiting job</dt>
          <dd className="tabular-nums">
            <Age since={summary.oldestWaitingAt} />
          </dd>
        </div>
      </dl>
      <QueueActions queue={queue} paused={summary.paused} failed={summary.counts.failed} />
      <div className="mb-6">
        <AddJobForm queue={queue} tasks={summary.retention.map((r) => r.task)} />
      </div>
      <QueueStateTabs queue={queue} current={q.state} initial={summary.counts} initialAt={summary.at} hrefs={hrefs} />
      <HeldSummary queue={queue} state={q.state} initial={summary.held} initialAt={summary.at} delayedHref={hrefs.delayed} />

      <div className="mb-4 flex flex-wrap items-end gap-4">
        <form method="get" className="flex items-end gap-2" aria-label="Filter jobs">
          <input type="hidden" name="state" value={q.state} />
          <div>
            <label htmlFor="filter-name" className="block text-sm font-medium">
              Job name
            </label>
            <input id="filter-name" name="name" defaultValue={page.name ?? ''} className={inputClass} placeholder="e.g. report" />
          </div>
          <PageSizeField size={q.size} />
          <button type="submit" className="rounded-md bg-white px-3 py-1.5 text-sm ring-1 ring-slate-300 dark:bg-slate-800 dark:ring-slate-600">
            Apply
          </button>
        </form>
        <form method="get" className="flex items-end gap-2" aria-label="Jump to job">
          <div>
            <label htmlFor="jump-id" className="block text-sm font-medium">
              Job id
            </label>
            <input id="jump-id" name="job" className={inputClass} required />
          </div>
          <button type="submit" className="rounded-md bg-white px-3 py-1.5 text-sm ring-1 ring-slate-300 dark:bg-slate-800 dark:ring-slate-600">
            Open job
          </button>
        </form>
      </div>

      {page.jobs.length === 0 ? (
        <Notice title={`No ${stateLabel(q.state).toLowerCase()} jobs${page.name ? ` named “${page.name}”` : ''}`} />
      ) : (
        <Table
          caption={`${stateLabel(q.state)} jobs in ${queue}${page.name ? ` named ${page.name}` : ''}, newest first, page ${page.page}${pages ? ` of ${pages}` : ''}`}
        >
          <thead>
            <tr>
              <Th>Job</Th>
              <Th>Task</Th>
              <Th>Arguments</Th>
              <Th numeric>Attempts</Th>
              <Th>Created</Th>
              <Th>Started</Th>
              <Th>Finished</Th>
              <Th numeric>Duration</Th>
              <Th numeric>Progress</Th>
              {holding && <Th>Held back</Th>}
              {q.state === 'failed' && <Th>Error</Th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {page.jobs.map((j) => (
              <tr key={j.id}>
                <Td>
                  <Link href={`/queues/${seg(queue)}/jobs/${seg(j.id)}`} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">
                    {j.id}
                  </Link>
                </Td>
                <Td>{j.name}</Td>
                <Td className="max-w-xs truncate font-mono text-xs">{j.argsExcerpt}</Td>
                <Td numeric>{j.attemptsMade}</Td>
                <Td>
                  <Time ms={j.createdAt} />
                </Td>
                <Td>
                  <Time ms={j.startedAt} />
                </Td>
                <Td>
                  <Time ms={j.finishedAt} />
                </Td>
                <Td numeric>{j.startedAt && j.finishedAt ? formatDuration(j.finishedAt - j.startedAt) : '—'}</Td>
                <Td numeric>{j.progress === null ? '—' : `${Math.round(j.progress)}%`}</Td>
                {holding && <Td>{j.held ? <HeldBadge held={j.held} /> : '—'}</Td>}
                {q.state === 'failed' && <Td className="max-w-md truncate text-rose-700 dark:text-rose-300">{j.error}</Td>}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {(page.page > 1 || page.more) && (
        <nav aria-label="Pagination" className="mt-4 flex items-center gap-3 text-sm">
          {page.page > 1 && (
            <Link href={href(q.state, page.page - 1)} className="underline">
              Previous page
            </Link>
          )}
          <span>
            Page {page.page}
            {pages ? ` of ${pages}` : ''}
          </span>
          {page.more && (
            <Link href={href(q.state, page.page + 1)} className="underline">
              Next page
            </Link>
          )}
        </nav>
      )}
      <div className="mt-8">
        <RetentionCard retention={summary.retention} />
      </div>
    </>
  );
}
