'use client';
import { useState } from 'react';
import { api, seg } from '../api';
import { Button } from '../ui/Button';
import { useCanWrite } from '../auth/SessionProvider';

/**
 * Replay a task's dead letters in bulk (POST /api/v1/tasks/{name}/dead-letters/replay):
 * each becomes a new job on the task's queue. Shown for a task with `deadLetter`;
 * the outcome is announced in a live region next to the button.
 */
export function ReplayDeadLetters({ task }: { task: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const canWrite = useCanWrite();
  if (!canWrite) return null;

  async function replay() {
    setBusy(true);
    setMessage(null);
    try {
      const { replayed } = await api<{ replayed: unknown[] }>(`/api/v1/tasks/${seg(task)}/dead-letters/replay`, { method: 'POST' });
      setMessage(replayed.length === 0 ? 'No dead letters to replay' : `Replayed ${replayed.length} job${replayed.length === 1 ? '' : 's'}`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : 'The replay failed');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mt-3 flex items-center gap-3">
      <Button variant="secondary" disabled={busy} onClick={() => void replay()}>
        Replay dead letters
      </Button>
      <span role="status" className="text-sm text-slate-600 dark:text-slate-300">
        {message}
      </span>
    </div>
  );
}
