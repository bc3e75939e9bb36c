import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getScheduleDetail } from '@/lib/data/schedule-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { ScheduleDetailView } from '@/components/schedules/ScheduleDetailView';

export const dynamic = 'force-dynamic';

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Schedule ${(await params).name}` };
}

export default async function SchedulePage({ params }: { params: Params }) {
  const name = decodeURIComponent((await params).name);
  const res = await load(() => getScheduleDetail(name));
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/schedules" className="hover:underline">
          Schedules
        </Link>{' '}
        / {name}
      </nav>
      <PageHeader title={name} description={res.data.definition.description} />
      <ScheduleDetailView initial={res.data} />
    </>
  );
}
