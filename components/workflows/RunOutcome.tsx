import type { ShownRun } from './shown-run';
import { Card } from '../ui/Card';
import { JsonBlock } from '../ui/JsonBlock';
import { Notice } from '../ui/Notice';

/** The run's result once completed, its failure (and the step that failed), or that it was cancelled. */
export function RunOutcome({ run }: { run: Pick<ShownRun, 'state' | 'result' | 'error' | 'nodes'> }) {
  if (run.state === 'completed') {
    return (
      <Card title="Result">
        <JsonBlock value={run.result ?? null} label="Workflow result" />
      </Card>
    );
  }
  if (run.state === 'failed') {
    const step = run.error?.step ? run.nodes.find((n) => n.id === run.error!.step) : undefined;
    return (
      <Notice tone="error" title={step ? `Failed at step ${step.label} (${step.id})` : 'The run failed'}>
        <p className="font-mono text-xs whitespace-pre-wrap">{run.error?.message ?? 'No message'}</p>
      </Notice>
    );
  }
  if (run.state === 'cancelled') return <Notice title="Cancelled">The run was cancelled: its running steps were stopped and nothing more runs.</Notice>;
  return null;
}
