'use client';
import { useCallback, useState } from 'react';
import Link from 'next/link';
import type { WorkflowRunPageDTO, WorkflowRunState } from '@/lib/workflows/run-dto';
import { useRoom } from '../live/LiveProvider';
import { api } from '../api';
import { Notice } from '../ui/Notice';
import { useLatest, useThrottled } from '../schedules/use-throttled';
import { RunsTable } from './RunsTable';
import { workflowStateLabel } from './workflow-states';

/** The list's filters and page, as in the page's query string. */
export interface RunsQuery {
  workflow?: string;
  state?: WorkflowRunState;
  page: number;
  size: number;
}

/** At most one re-read of the list per this many ms, however many jobs move. */
export const RUNS_REFRESH_MS = 1000;

/** The Workflows page's URL for these filters and `page`. */
export function runsPageHref(q: RunsQuery, page: number): string {
  const sp = new URLSearchParams();
  if (q.workflow) sp.set('workflow', q.workflow);
  if (q.state) sp.set('state', q.state);
  if (q.size !== 25) sp.set('size', String(q.size));
  if (page > 1) sp.set('page', String(page));
  const s = sp.toString();
  return s ? `/workflows?${s}` : '/workflows';
}

function apiPath(q: RunsQuery): string {
  const sp = new URLSearchParams({ page: String(q.page), pageSize: String(q.size) });
  if (q.workflow) sp.set('workflow', q.workflow);
  if (q.state) sp.set('state', q.state);
  return `/api/v1/workflow-runs?${sp}`;
}

/**
 * The runs of the Workflows page, kept current without a reload. No workflow frames
 * exist: every step of a run is a job, so a run starting, advancing or ending changes
 * some queue's counts, which the dashboard room sends (already coalesced by the
 * server). Each such frame asks for a re-read of this page of runs, throttled to one
 * per {@link RUNS_REFRESH_MS} with the last change never lost; a reconnect or resync
 * re-reads too.
 */
export function LiveRunsList({ initial, query }: { initial: WorkflowRunPageDTO; query: RunsQuery }) {
  const [runs, setRuns] = useState(initial);
  const path = apiPath(query);
  const load = useCallback(() => api<WorkflowRunPageDTO>(path), [path]);
  const refetch = useLatest(load, setRuns);
  const throttled = useThrottled(refetch, RUNS_REFRESH_MS);
  useRoom('dashboard', { counts: () => throttled() }, refetch);

  const pages = Math.max(1, Math.ceil(runs.total / runs.pageSize));
  const filtered = [query.workflow && `of ${query.workflow}`, query.state && `${workflowStateLabel(query.state).toLowerCase()}`].filter(Boolean).join(', ');
  return (
    <>
      {runs.runs.length === 0 ? (
        <Notice title={`No runs${filtered ? ` (${filtered})` : ''}`} />
      ) : (
        <RunsTable runs={runs.runs} caption={`Workflow runs${filtered ? ` (${filtered})` : ''}, newest first, page ${runs.page} of ${pages}`} />
      )}
      {(runs.page > 1 || runs.more) && (
        <nav aria-label="Pagination" className="flex items-center gap-3 text-sm">
          {runs.page > 1 && (
            <Link href={runsPageHref(query, runs.page - 1)} className="underline">
              Previous page
            </Link>
          )}
          <span>
            Page {runs.page} of {pages}
          </span>
          {runs.more && (
            <Link href={runsPageHref(query, runs.page + 1)} className="underline">
              Next page
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
