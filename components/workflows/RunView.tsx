'use client';
import { Suspense } from 'react';
import type { ShownRun } from './shown-run';
import { Card } from '../ui/Card';
import { JsonBlock } from '../ui/JsonBlock';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { WorkflowStateBadge } from './WorkflowStateBadge';
import { RunActions } from './RunActions';
import { RunOutcome } from './RunOutcome';
import { RunGraph } from './RunGraph';
import { RunTimeline } from './RunTimeline';
import { StepsTable } from './StepsTable';
import { QueueRooms } from './QueueRooms';
import { useLiveRun } from './use-live-run';

/** The run page's body, kept current through the rooms of its steps' queues. */
export function RunView({ initial }: { initial: ShownRun }) {
  const { run, queues, changed, acted } = useLiveRun(initial);
  return (
    <div className="space-y-6">
      <QueueRooms queues={queues} onChange={changed} />
      <dl aria-label="Run facts" className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
        <div className="flex items-center gap-2">
          <dt className="text-slate-500 dark:text-slate-400">State</dt>
          <dd>
            <span role="status" aria-label="Run state">
              <WorkflowStateBadge state={run.state} />
            </span>
          </dd>
        </div>
        <div className="flex gap-2">
          <dt className="text-slate-500 dark:text-slate-400">Steps done</dt>
          <dd className="tabular-nums">
            {run.steps.done} of {run.steps.total}
          </dd>
        </div>
        <div className="flex gap-2">
          <dt className="text-slate-500 dark:text-slate-400">Started</dt>
          <dd>
            <Time ms={run.startedAt} fallback="not yet" />
          </dd>
        </div>
        <div className="flex gap-2">
          <dt className="text-slate-500 dark:text-slate-400">Duration</dt>
          <dd className="tabular-nums">{run.startedAt && run.finishedAt ? formatDuration(run.finishedAt - run.startedAt) : '—'}</dd>
        </div>
      </dl>
      <RunActions run={run} onDone={acted} />
      <RunOutcome run={run} />
      <RunGraph run={run} />
      {/*
        Below the graph, each part in a Suspense boundary of its own: React hydrates such a boundary
        after the page around it (at offscreen priority, in slices), so the graph of a large run is
        drawn first and the 100 rows of the timeline and of the table follow without one long task.
      */}
      <Suspense>
        <BelowTheFold>
          <RunTimeline run={run} />
        </BelowTheFold>
      </Suspense>
      <Suspense>
        <BelowTheFold>
          <StepsTable steps={run.nodes} />
        </BelowTheFold>
      </Suspense>
      <Suspense>
        <Card title="Arguments">
          <JsonBlock value={run.args} label="Workflow arguments" />
        </Card>
      </Suspense>
    </div>
  );
}

/**
 * A part the browser lays out only once it nears the viewport (content-visibility: auto): the rows of a large
 * run's timeline and table would otherwise be laid out with the page's first paint, before the graph is drawn.
 */
function BelowTheFold({ children }: { children: React.ReactNode }) {
  return <div style={{ contentVisibility: 'auto', containIntrinsicSize: 'auto 40rem' }}>{children}</div>;
}
