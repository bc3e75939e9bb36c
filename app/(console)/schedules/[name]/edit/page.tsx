import Link from 'next/link';
import { notFound } from 'next/navigation';
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

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Edit ${(await params).name}` };
}

export default async function EditSchedulePage({ params }: { params: Params }) {
  const name = decodeURIComponent((await params).name);
  const header = (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/schedules" className="hover:underline">
          Schedules
        </Link>{' '}
        /{' '}
        <Link href={`/schedules/${seg(name)}`} className="hover:underline">
          {name}
        </Link>{' '}
        / edit
      </nav>
      <PageHeader title={`Edit ${name}`} />
    </>
  );
  // Checked here, before anything is read: a viewer typing the address gets a refusal, not a form the server would refuse.
  const access = await requireAccess('write', 'Only admins change schedules.');
  if (!access.allowed) {
    return (
      <>
        {header}
        {access.refusal}
      </>
    );
  }
  const def = await load(() => requireSchedule(name));
  if (!def.ok && def.reason === 'not_found') notFound();
  const tasks = await load(listTaskDtos);
  const workflows = await load(listWorkflowDefinitions);
  if (!def.ok || !tasks.ok || !workflows.ok) return <Unavailable />;
  return (
    <>
      {header}
      {def.data.source === 'code' ? (
        <Notice title="This schedule is defined in code">
          It is declared in code, in the <code>schedules</code> of the worker’s tasks module, and written again each time a worker starts, so an edit here would
          not last: change it there. You can still pause and resume it from{' '}
          <Link href={`/schedules/${seg(name)}`} className="underline">
            its page
          </Link>
          , or{' '}
          <Link href={`/schedules/new?from=${seg(name)}`} className="underline">
            duplicate it
          </Link>{' '}
          into a schedule you can edit.
        </Notice>
      ) : (
        <Card>
          <ScheduleForm mode="edit" tasks={tasks.data} workflows={workflows.data} initial={def.data} />
        </Card>
      )}
    </>
  );
}
