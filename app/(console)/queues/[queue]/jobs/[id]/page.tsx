import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getJobDto } from '@/lib/data/job-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { JobView } from '@/components/jobs/JobView';
import { seg } from '@/components/api';

export const dynamic = 'force-dynamic';

type Params = Promise<{ queue: string; id: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  const p = await params;
  return { title: `Job ${decodeURIComponent(p.id)}` };
}

export default async function JobPage({ params }: { params: Params }) {
  const p = await params;
  const queue = decodeURIComponent(p.queue);
  const id = decodeURIComponent(p.id);
  const res = await load(() => getJobDto(queue, id));
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/queues" className="hover:underline">Queues</Link> /{' '}
        <Link href={`/queues/${seg(queue)}`} className="hover:underline">{queue}</Link> / job {id}
      </nav>
      <PageHeader title={`${res.data.name} · job ${id}`} description={`Queue ${queue}`} />
      <JobView initial={res.data} />
    </>
  );
}
