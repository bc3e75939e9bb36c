import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { listWorkflowDefinitions, listWorkflowRuns } from '@/lib/workflows/workflow-data';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { JsonBlock } from '@/components/ui/JsonBlock';
import { RunWorkflowForm } from '@/components/workflows/RunWorkflowForm';
import { RunsTable } from '@/components/workflows/RunsTable';
import { decodeSegment } from '@/components/queues/segment';
import { seg } from '@/components/api';
import { allows } from '@/lib/auth/principal';
import { currentPrincipal } from '@/app/_auth/current-principal';

export const dynamic = 'force-dynamic';

type Params = Promise<{ name: string }>;

// generateMetadata gets the segment already decoded, the page its URL-encoded form: decode once only.
export async function generateMetadata({ params }: { params: Params }) {
  return { title: `Workflow ${(await params).name}` };
}

const RECENT = 10;

export default async function WorkflowPage({ params }: { params: Params }) {
  const name = decodeSegment((await params).name);
  const res = await load(async () => {
    const [definitions, recent] = await Promise.all([listWorkflowDefinitions(), listWorkflowRuns({ workflow: name, page: 1, pageSize: RECENT })]);
    return { definition: definitions.find((d) => d.name === name), recent };
  });
  if (!res.ok) return <Unavailable />;
  const { definition, recent } = res.data;
  if (!definition) notFound();
  const { principal } = await currentPrincipal();
  const canRun = principal !== null && allows(principal, 'write');
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/workflows" className="hover:underline">
          Workflows
        </Link>{' '}
        / {name}
      </nav>
      <PageHeader title={canRun ? `Run ${name}` : `Workflow ${name}`} description={definition.description} />
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <Card>
          <RunWorkflowForm workflow={definition} />
        </Card>
        <Card title="Arguments schema">
          <JsonBlock value={definition.argsSchema} label="Arguments JSON Schema" />
        </Card>
      </div>
      <section aria-labelledby="recent-title" className="mt-8 space-y-3">
        <h2 id="recent-title" className="text-lg font-semibold">
          Recent runs
        </h2>
        {recent.runs.length === 0 ? (
          <Notice title="No runs yet" />
        ) : (
          <>
            <RunsTable runs={recent.runs} caption={`Latest runs of ${name}`} />
            {recent.more && (
              <Link href={`/workflows?workflow=${seg(name)}`} className="text-sm underline">
                All {recent.total} runs of {name}
              </Link>
            )}
          </>
        )}
      </section>
    </>
  );
}
