import { load } from '@/lib/data/load';
import { listScheduleDtos } from '@/lib/data/schedule-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { ButtonLink } from '@/components/ui/Button';
import { Unavailable } from '@/components/ui/Unavailable';
import { SchedulesView } from '@/components/schedules/SchedulesView';
import { IfCanWrite } from '@/components/auth/IfCanWrite';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Schedules' };

export default async function SchedulesPage() {
  const res = await load(listScheduleDtos);
  return (
    <>
      <PageHeader title="Schedules" description="Periodic tasks: every few seconds, on a cron expression, or once at a given time.">
        <IfCanWrite>
          <ButtonLink href="/schedules/new">New schedule</ButtonLink>
        </IfCanWrite>
      </PageHeader>
      {res.ok ? <SchedulesView initial={res.data} /> : <Unavailable />}
    </>
  );
}
