'use client';
import type { WorkflowRunDTO } from '@/lib/workflows/run-dto';
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
export function RunView({ initial }: { initial: WorkflowRunDTO }) {
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
      <RunTimeline run={run} />
      <StepsTable steps={run.nodes} />
      <Card title="Arguments">
        <JsonBlock value={run.args} label="Workflow arguments" />
      </Card>
    </div>
  );
}
