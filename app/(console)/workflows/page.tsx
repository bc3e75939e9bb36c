import Link from 'next/link';
import { z } from 'zod';
import { load } from '@/lib/data/load';
import { listWorkflowDefinitions, listWorkflowRuns } from '@/lib/workflows/workflow-data';
import { workflowRunStateSchema } from '@/lib/workflows/run-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { PageSizeField, pageSizeSchema } from '@/components/ui/PageSizeField';
import { Table, Th, Td } from '@/components/ui/Table';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { ButtonLink } from '@/components/ui/Button';
import { inputClass } from '@/components/ui/Field';
import { IfCanWrite } from '@/components/auth/IfCanWrite';
import { LiveRunsList } from '@/components/workflows/LiveRunsList';
import { workflowStateLabel } from '@/components/workflows/workflow-states';
import { seg } from '@/components/api';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Workflows' };

/** The filters from the query string; anything malformed falls back to its default (a page, not an error). */
const querySchema = z.object({
  workflow: z.string().trim().min(1).max(200).optional().catch(undefined),
  state: workflowRunStateSchema.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  size: pageSizeSchema,
});

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function WorkflowsPage({ searchParams }: Props) {
  const q = querySchema.parse(await searchParams);
  const res = await load(async () => {
    const [definitions, runs] = await Promise.all([
      listWorkflowDefinitions(),
      listWorkflowRuns({ workflow: q.workflow, state: q.state, page: q.page, pageSize: q.size }),
    ]);
    return { definitions, runs };
  });
  if (!res.ok) {
    return (
      <>
        <PageHeader title="Workflows" />
        <Unavailable />
      </>
    );
  }
  const { definitions, runs } = res.data;
  return (
    <>
      <PageHeader
        title="Workflows"
        description="Chains, groups and chords of tasks, defined in code by the workers. Run one from its form, then watch its steps."
      />

      <section aria-labelledby="definitions-title" className="mb-8 space-y-3">
        <h2 id="definitions-title" className="text-lg font-semibold">
          Defined workflows
        </h2>
        {definitions.length === 0 ? (
          <Notice title="No workflows yet">Workflows appear here when a worker that defines them (defineWorkflow) starts.</Notice>
        ) : (
          <Table caption="Defined workflows">
            <thead>
              <tr>
                <Th>Workflow</Th>
                <Th>Description</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {definitions.map((d) => (
                <tr key={d.name}>
                  <Td>
                    <Link href={`/workflows/${seg(d.name)}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                      {d.name}
                    </Link>
                  </Td>
                  <Td className="text-slate-600 dark:text-slate-300">{d.description}</Td>
                  <Td>
                    <IfCanWrite>
                      <ButtonLink href={`/workflows/${seg(d.name)}`} variant="secondary" aria-label={`Run ${d.name}`}>
                        Run
                      </ButtonLink>
                    </IfCanWrite>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="runs-title" className="space-y-3">
        <h2 id="runs-title" className="text-lg font-semibold">
          Runs
        </h2>
        <form method="get" className="flex flex-wrap items-end gap-2" aria-label="Filter runs">
          <div>
            <label htmlFor="filter-workflow" className="block text-sm font-medium">
              Workflow
            </label>
            <select id="filter-workflow" name="workflow" defaultValue={q.workflow ?? ''} className={inputClass}>
              <option value="">All workflows</option>
              {/* A filter from a link may name a workflow no worker defines any more: keep it selectable. */}
              {[...new Set([...definitions.map((d) => d.name), ...(q.workflow ? [q.workflow] : [])])].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="filter-state" className="block text-sm font-medium">
              State
            </label>
            <select id="filter-state" name="state" defaultValue={q.state ?? ''} className={inputClass}>
              <option value="">Any state</option>
              {workflowRunStateSchema.options.map((s) => (
                <option key={s} value={s}>
                  {workflowStateLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <PageSizeField size={q.size} />
          <button type="submit" className="rounded-md bg-white px-3 py-1.5 text-sm ring-1 ring-slate-300 dark:bg-slate-800 dark:ring-slate-600">
            Apply
          </button>
        </form>
        {/* Keyed on the filters and page: a new query is a new list, not the last one's state. */}
        <LiveRunsList key={JSON.stringify(q)} initial={runs} query={q} />
      </section>
    </>
  );
}
