import Link from 'next/link';
import type { WorkflowRunSummaryDTO } from '@/lib/workflows/run-dto';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { WorkflowStateBadge } from './WorkflowStateBadge';
import { runHref } from './run-href';

/** Runs as listed: state, when started, how long, steps done of all. */
export function RunsTable({ runs, caption }: { runs: WorkflowRunSummaryDTO[]; caption: string }) {
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <Th>Run</Th>
          <Th>Workflow</Th>
          <Th>State</Th>
          <Th>Started</Th>
          <Th numeric>Duration</Th>
          <Th numeric>Steps done</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {runs.map((r) => (
          <tr key={r.id}>
            <Td>
              <Link href={runHref(r.workflow, r.id)} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">
                {r.id}
              </Link>
            </Td>
            <Td>{r.workflow}</Td>
            <Td>
              <WorkflowStateBadge state={r.state} />
            </Td>
            <Td>
              <Time ms={r.startedAt} fallback="not yet" />
            </Td>
            <Td numeric>{r.startedAt && r.finishedAt ? formatDuration(r.finishedAt - r.startedAt) : '—'}</Td>
            <Td numeric>
              {r.steps.done} / {r.steps.total}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
