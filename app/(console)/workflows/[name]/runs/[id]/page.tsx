import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getWorkflowRun } from '@/lib/workflows/workflow-data';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { RunView } from '@/components/workflows/RunView';
import { runHref } from '@/components/workflows/run-href';
import { shownRun } from '@/components/workflows/shown-run';
import { decodeSegment } from '@/components/queues/segment';
import { seg } from '@/components/api';

export const dynamic = 'force-dynamic';

type Params = Promise<{ name: string; id: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  const p = await params;
  return { title: `Run ${p.id} of ${p.name}` };
}

export default async function WorkflowRunPage({ params }: { params: Params }) {
  const p = await params;
  const name = decodeSegment(p.name);
  const id = decodeSegment(p.id);
  const res = await load(() => getWorkflowRun(id));
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  const run = res.data;
  // A run id is unique on its own: a link with another workflow's name still finds it, at its own address.
  if (run.workflow !== name) redirect(runHref(run.workflow, run.id));
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/workflows" className="hover:underline">
          Workflows
        </Link>{' '}
        /{' '}
        <Link href={`/workflows/${seg(name)}`} className="hover:underline">
          {name}
        </Link>{' '}
        / run {id}
      </nav>
      <PageHeader
        title={`${name} · run ${id}`}
        description={`Created ${new Date(run.createdAt)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC')}`}
      />
      <RunView initial={shownRun(run)} />
    </>
  );
}
