import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getJobDto } from '@/lib/data/job-dto';
import { readCatalogueEntry } from '@/lib/registry/catalogue';
import { DEFAULT_TASK_RETENTION } from '@/lib/queue/job-options';
import { getRedis } from '@/lib/redis';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { JobView } from '@/components/jobs/JobView';
import { seg } from '@/components/api';
import { decodeSegment } from '@/components/queues/segment';
import { workflowOfJob } from '@/lib/workflows/workflow-data';
import { JobWorkflowLink } from '@/components/workflows/JobWorkflowLink';

export const dynamic = 'force-dynamic';

type Params = Promise<{ queue: string; id: string }>;

// Next 16 hands generateMetadata the segments already decoded, but the page their URL-encoded form.
export async function generateMetadata({ params }: { params: Params }) {
  const p = await params;
  return { title: `Job ${p.id}` };
}

export default async function JobPage({ params }: { params: Params }) {
  const p = await params;
  const queue = decodeSegment(p.queue);
  const id = decodeSegment(p.id);
  const res = await load(async () => {
    const job = await getJobDto(queue, id);
    // The re-run form uses the task's generated fields when the task is in the catalogue (the server validates against the same entry).
    const [entry, workflow] = await Promise.all([readCatalogueEntry(getRedis(), job.name), workflowOfJob(queue, id)]);
    // A Celerity task's job is run by Celerity's worker, which applies the default retention when the job names none.
    const workerRetention = entry ? DEFAULT_TASK_RETENTION : undefined;
    return { job, argsSchema: entry?.argsSchema, workflow, workerRetention };
  });
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  const { job, argsSchema, workflow, workerRetention } = res.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/queues" className="hover:underline">
          Queues
        </Link>{' '}
        /{' '}
        <Link href={`/queues/${seg(queue)}`} className="hover:underline">
          {queue}
        </Link>{' '}
        / job {id}
      </nav>
      <PageHeader title={`${job.name} · job ${id}`} description={`Queue ${queue}`} />
      {workflow && <JobWorkflowLink of={workflow} />}
      <JobView initial={job} argsSchema={argsSchema} workerRetention={workerRetention} />
    </>
  );
}
