import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getIncidentDetail } from '@/lib/data/incident-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { IncidentDetailView } from '@/components/alerts/incidents/IncidentDetailView';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  return { title: `Incident ${(await params).id}` };
}

export default async function IncidentPage({ params }: { params: Params }) {
  const id = decodeURIComponent((await params).id);
  const res = await load(() => getIncidentDetail(id));
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/alerts" className="hover:underline">
          Incidents
        </Link>{' '}
        / {id}
      </nav>
      <PageHeader title={`Incident of ${res.data.rule}`} description={`Incident ${id}`} />
      <IncidentDetailView incident={res.data} serverNow={Date.now()} />
    </>
  );
}
