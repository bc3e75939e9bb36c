import Link from 'next/link';
import { load } from '@/lib/data/load';
import { listTaskDtos } from '@/lib/data/task-dto';
import { listWorkflowDefinitions } from '@/lib/workflows/workflow-data';
import { requireSchedule } from '@/lib/scheduler/schedule-service';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { Notice } from '@/components/ui/Notice';
import { Unavailable } from '@/components/ui/Unavailable';
import { ScheduleForm } from '@/components/schedules/ScheduleForm';
import { seg } from '@/components/api';
import { requireAccess } from '@/app/_auth/require-access';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New schedule' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** New schedule; `?from=<name>` starts from a copy of that schedule (Duplicate). */
export default async function NewSchedulePage({ searchParams }: { searchParams: SearchParams }) {
  // Checked here, before anything is read: a viewer typing the address gets a refusal, not a form the server would refuse.
  const access = await requireAccess('write', 'Only admins create schedules.');
  if (!access.allowed) {
    return (
      <>
        <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
          <Link href="/schedules" className="hover:underline">
            Schedules
          </Link>
        </nav>
        <PageHeader title="New schedule" />
        {access.refusal}
      </>
    );
  }
  const fromParam = (await searchParams).from;
  const from = typeof fromParam === 'string' && fromParam ? fromParam : undefined;
  const tasks = await load(listTaskDtos);
  const workflows = await load(listWorkflowDefinitions);
  const source = from ? await load(() => requireSchedule(from)) : undefined;
  if (!tasks.ok || !workflows.ok || (source && !source.ok && source.reason === 'unavailable')) return <Unavailable />;
  const original = source?.ok ? source.data : undefined;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/schedules" className="hover:underline">
          Schedules
        </Link>
        {original && (
          <>
            {' / '}
            <Link href={`/schedules/${seg(original.name)}`} className="hover:underline">
              {original.name}
            </Link>
          </>
        )}
      </nav>
      <PageHeader
        title={original ? `Duplicate ${original.name}` : 'New schedule'}
        description="Run a task or a workflow periodically or once. The preview shows the next runs as they will happen."
      />
      {from && !original && (
        <div className="mb-4">
          <Notice title={`No schedule named “${from}”`}>There is nothing to copy: start from an empty form.</Notice>
        </div>
      )}
      <Card>
        <ScheduleForm mode="create" tasks={tasks.data} workflows={workflows.data} initial={original} duplicateOf={original?.name} />
      </Card>
    </>
  );
}
