'use client';
import { useState } from 'react';
import type { ShownRun } from './shown-run';
import { api, seg } from '../api';
import { ActionStatus, actionFailed, type ActionMessage } from '../ui/ActionStatus';
import { Button } from '../ui/Button';
import { useCanWrite } from '../auth/SessionProvider';

/**
 * Cancel the run, retry a failed step: the actions the run's DTO allows now
 * (the server refuses anything else with 409). Callers who may not change
 * state see none. Results and errors are announced in a live region.
 */
export function RunActions({ run, onDone }: { run: Pick<ShownRun, 'id' | 'workflow' | 'actions' | 'nodes'>; onDone: () => void }) {
  const canWrite = useCanWrite();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const retryable = run.nodes.filter((n) => n.canRetry);
  const base = `/api/v1/workflow-runs/${seg(run.id)}`;

  async function act(path: string, ok: string) {
    setBusy(true);
    setMessage(null);
    try {
      await api(path, { method: 'POST', body: {} });
      setMessage({ tone: 'ok', text: ok });
      onDone();
    } catch (err) {
      setMessage(actionFailed(err));
    } finally {
      setBusy(false);
    }
  }

  if (!canWrite || (retryable.length === 0 && !run.actions.includes('cancel') && !message)) return null;
  return (
    <section aria-label="Run actions" className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {retryable.map((n) => (
          <Button key={n.id} disabled={busy} onClick={() => act(`${base}/steps/${seg(n.id)}/retry`, `Retrying step ${n.label}: the run resumes from it.`)}>
            Retry step {n.label} ({n.id})
          </Button>
        ))}
        {run.actions.includes('cancel') && (
          <Button
            variant="danger"
            disabled={busy}
            onClick={() => {
              if (window.confirm(`Cancel this run of ${run.workflow}? Its running steps are cancelled and nothing more runs.`)) {
                void act(`${base}/cancel`, 'Cancel requested: running steps stop and nothing more runs.');
              }
            }}
          >
            Cancel run
          </Button>
        )}
      </div>
      <ActionStatus message={message} />
    </section>
  );
}
