import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { load } from '@/lib/data/load';
import { getQueueSummary } from '@/lib/data/queue-dto';
import { JOB_STATES } from '@/lib/data/queue-states';
import { listJobs } from '@/lib/data/job-list';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Table, Th, Td } from '@/components/ui/Table';
import { stateLabel } from '@/components/ui/StateBadge';
import { Time } from '@/components/ui/Time';
import { seg } from '@/components/api';
import { cn } from '@/components/ui/cn';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 25;
const querySchema = z.object({
  state: z.enum(JOB_STATES).catch('waiting'),
  page: z.coerce.number().int().min(1).catch(1),
});

type Props = { params: Promise<{ queue: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props) {
  return { title: `Queue ${decodeURIComponent((await params).queue)}` };
}

export default async function QueuePage({ params, searchParams }: Props) {
  const queue = decodeURIComponent((await params).queue);
  const q = querySchema.parse(await searchParams);
  const res = await load(async () => {
    const summary = await getQueueSummary(queue);
    const page = await listJobs(queue, q.state, q.page, PAGE_SIZE);
    return { summary, page };
  });
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  const { summary, page } = res.data;
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  const href = (state: string, p = 1) => `/queues/${seg(queue)}?state=${state}${p > 1 ? `&page=${p}` : ''}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/queues" className="hover:underline">Queues</Link> / {queue}
      </nav>
      <PageHeader title={`Queue ${queue}`} description={summary.paused ? 'Paused: workers take no new jobs.' : 'Running.'} />
      <nav aria-label="Job states" className="mb-4">
        <ul className="flex flex-wrap gap-1">
          {JOB_STATES.map((s) => (
            <li key={s}>
              <Link
                href={href(s)}
                aria-current={s === q.state ? 'page' : undefined}
                className={cn(
                  'block rounded-md px-3 py-1.5 text-sm',
                  s === q.state ? 'bg-indigo-600 text-white' : 'bg-white ring-1 ring-slate-200 hover:bg-slate-100 dark:bg-slate-900 dark:ring-slate-700',
                )}
              >
                {stateLabel(s)} <span className="tabular-nums">({summary.counts[s]})</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {page.jobs.length === 0 ? (
        <Notice title={`No ${stateLabel(q.state).toLowerCase()} jobs`} />
      ) : (
        <Table caption={`${stateLabel(q.state)} jobs in ${queue}, newest first, page ${page.page} of ${pages}`}>
          <thead>
            <tr>
              <Th>Job</Th>
              <Th>Task</Th>
              <Th>Arguments</Th>
              <Th numeric>Attempts</Th>
              <Th>Created</Th>
              <Th>Finished</Th>
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
                <Td className="max-w-md truncate font-mono text-xs">{j.argsExcerpt}</Td>
                <Td numeric>{j.attemptsMade}</Td>
                <Td><Time ms={j.createdAt} /></Td>
                <Td><Time ms={j.finishedAt} /></Td>
                {q.state === 'failed' && <Td className="max-w-md truncate text-rose-700 dark:text-rose-300">{j.error}</Td>}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {pages > 1 && (
        <nav aria-label="Pagination" className="mt-4 flex items-center gap-3 text-sm">
          {page.page > 1 && <Link href={href(q.state, page.page - 1)} className="underline">Previous page</Link>}
          <span>
            Page {page.page} of {pages}
          </span>
          {page.page < pages && <Link href={href(q.state, page.page + 1)} className="underline">Next page</Link>}
        </nav>
      )}
    </>
  );
}
