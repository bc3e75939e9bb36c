'use client';
import { useId, useState } from 'react';
import type { WorkerDTO } from '@/lib/data/worker-dto';
import type { ControlAck } from '@/lib/worker/control';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { useCanWrite } from '../auth/SessionProvider';

export type ControlOutcome = { workerId: string; ok: boolean; message: string };

const DONE: Record<ControlAck['command'], string> = {
  pause: 'paused: takes no new jobs',
  resume: 'resumed: takes jobs again',
  concurrency: 'concurrency changed',
  shutdown: 'shutting down',
};

/** Send one command and describe the worker's acknowledgement (or its absence) in a sentence. */
async function send(worker: WorkerDTO, command: ControlAck['command'], body?: unknown): Promise<ControlOutcome> {
  const t0 = performance.now();
  try {
    const res = await api<{ ack: ControlAck }>(`/api/v1/workers/${seg(worker.id)}/${command}`, { method: 'POST', body });
    const ms = Math.round(performance.now() - t0);
    const { ack } = res;
    return ack.ok
      ? {
          workerId: worker.id,
          ok: true,
          message: `${worker.id} acknowledged ${command} in ${ms} ms: ${DONE[command]} (state ${ack.state}, concurrency ${ack.concurrency}).`,
        }
      : { workerId: worker.id, ok: false, message: `${worker.id} refused ${command}: ${ack.error ?? 'no reason given'}.` };
  } catch (err) {
    const message = err instanceof ApiError ? err.body.message : (err as Error).message;
    return { workerId: worker.id, ok: false, message: `${command} of ${worker.id} failed: ${message}` };
  }
}

/** Pause / resume, concurrency and shutdown of one worker; the outcome goes to `onOutcome`. */
export function WorkerControls({ worker, onOutcome }: { worker: WorkerDTO; onOutcome: (o: ControlOutcome) => void }) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [concurrency, setConcurrency] = useState(String(worker.concurrency));
  const stopping = worker.state === 'stopping';
  const run = async (command: ControlAck['command'], body?: unknown) => {
    setBusy(true);
    setConfirming(false);
    onOutcome(await send(worker, command, body));
    setBusy(false);
  };
  const n = Number(concurrency);
  const validConcurrency = Number.isInteger(n) && n >= 1 && n <= 1000;
  // Viewers get no controls (the server would refuse them with 403 anyway).
  const canWrite = useCanWrite();
  if (!canWrite) return null;
  return (
    <div role="group" aria-label={`Control ${worker.id}`} className="flex flex-wrap items-center gap-2">
      {worker.state === 'paused' ? (
        <Button variant="secondary" disabled={busy || stopping} onClick={() => void run('resume')}>
          Resume
        </Button>
      ) : (
        <Button variant="secondary" disabled={busy || stopping} onClick={() => void run('pause')}>
          Pause
        </Button>
      )}
      <form
        className="flex items-center gap-1"
        aria-label={`Concurrency of ${worker.id}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (validConcurrency) void run('concurrency', { concurrency: n });
        }}
      >
        <label htmlFor={`${id}-c`} className="sr-only">
          Concurrency
        </label>
        <input
          id={`${id}-c`}
          type="number"
          min={1}
          max={1000}
          value={concurrency}
          onChange={(e) => setConcurrency(e.target.value)}
          aria-invalid={!validConcurrency}
          className="w-20 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800"
        />
        <Button type="submit" variant="secondary" disabled={busy || stopping || !validConcurrency || n === worker.concurrency}>
          Set
        </Button>
      </form>
      {confirming ? (
        <>
          <Button variant="danger" disabled={busy} onClick={() => void run('shutdown')}>
            Confirm shutdown
          </Button>
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Keep running
          </Button>
        </>
      ) : (
        <Button variant="danger" disabled={busy || stopping} onClick={() => setConfirming(true)}>
          Shut down…
        </Button>
      )}
    </div>
  );
}
