'use client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { WorkerDTO, WorkersDTO } from '@/lib/data/worker-dto';
import { seg } from '../api';
import { Notice } from '../ui/Notice';
import { ProgressBar } from '../ui/ProgressBar';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { cn } from '../ui/cn';
import { useLiveWorkers } from './useLiveWorkers';
import { WorkerControls, type ControlOutcome } from './WorkerControls';
import { useCanWrite } from '../auth/SessionProvider';

const STATE_STYLE: Record<WorkerDTO['state'], string> = {
  running: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  paused: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  stopping: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
};

function RunningJobs({ running, label }: { running: WorkerDTO['running']; label: string }) {
  if (running.length === 0) return <>idle</>;
  return (
    <ul aria-label={label} className="space-y-1">
      {running.map((r) => (
        <li key={`${r.queue}/${r.jobId}`} className="min-w-48">
          <Link href={`/queues/${seg(r.queue)}/jobs/${seg(r.jobId)}`} className="underline">
            {r.task} #{r.jobId}
          </Link>
          {typeof r.progress === 'number' && <ProgressBar value={r.progress} label={`Progress of ${r.task} #${r.jobId}`} />}
        </li>
      ))}
    </ul>
  );
}

/**
 * Every worker process, live through the `workers` room: what it runs, its
 * counters and heartbeat, remote control with the worker's acknowledgement,
 * and the workers lost (heartbeat expired) with the jobs they held.
 */
export function WorkersView({ initial }: { initial: WorkersDTO }) {
  const [workers] = useLiveWorkers(initial);
  const [now, setNow] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<ControlOutcome | null>(null);
  // Viewers get no Control column (WorkerControls renders nothing for them; the server would refuse with 403 anyway).
  const canWrite = useCanWrite();
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const ago = (ms: number) => (now === null ? '—' : formatDuration(Math.max(0, now - ms)));
  return (
    <div className="space-y-6">
      <div
        role="status"
        aria-live="polite"
        aria-label="Worker control result"
        className={cn('min-h-6 text-sm', outcome?.ok === false ? 'text-rose-700 dark:text-rose-300' : 'text-slate-700 dark:text-slate-300')}
      >
        {outcome?.message ?? ''}
      </div>
      {workers.alive.length === 0 ? (
        <Notice title="No live workers">
          Start one with <code>npm run worker</code>; it appears here within seconds.
        </Notice>
      ) : (
        <Table caption="Live workers">
          <thead>
            <tr>
              <Th>Worker</Th>
              <Th>Host</Th>
              <Th>Address</Th>
              <Th numeric>PID</Th>
              <Th>Queues</Th>
              <Th numeric>Concurrency</Th>
              <Th>Running jobs</Th>
              <Th numeric>Processed</Th>
              <Th numeric>Failed</Th>
              <Th>Up for</Th>
              <Th>Last heartbeat</Th>
              <Th>Version</Th>
              {canWrite && <Th>Control</Th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {workers.alive.map((w) => (
              <tr key={w.id} aria-label={`Worker ${w.id}`}>
                <Td className="font-mono text-xs">
                  {w.id}
                  <span aria-label="State" className={cn('ml-2 inline-block rounded-full px-2 py-0.5 font-sans text-xs font-semibold', STATE_STYLE[w.state])}>
                    {w.state}
                  </span>
                </Td>
                <Td>{w.host}</Td>
                <Td className="font-mono text-xs">{w.address ?? '—'}</Td>
                <Td numeric>{w.pid}</Td>
                <Td>{w.queues.join(', ')}</Td>
                <Td numeric>{w.concurrency}</Td>
                <Td>
                  <RunningJobs running={w.running} label={`Jobs running on ${w.id}`} />
                </Td>
                <Td numeric>{w.processed}</Td>
                <Td numeric>{w.failed}</Td>
                <Td>{ago(w.startedAt)}</Td>
                <Td>
                  <span title={new Date(w.lastSeen).toISOString()}>{now === null ? '—' : `${ago(w.lastSeen)} ago`}</span>
                </Td>
                <Td>{w.version}</Td>
                {canWrite && (
                  <Td>
                    <WorkerControls key={`${w.id}/${w.concurrency}`} worker={w} onOutcome={setOutcome} />
                  </Td>
                )}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {workers.lost.length > 0 && (
        <Table caption="Lost workers (heartbeat expired without a clean shutdown)" showCaption>
          <thead>
            <tr>
              <Th>Worker</Th>
              <Th>Host</Th>
              <Th>Address</Th>
              <Th numeric>PID</Th>
              <Th>Last heartbeat</Th>
              <Th>Jobs it held</Th>
              <Th numeric>Processed</Th>
              <Th numeric>Failed</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {workers.lost.map((w) => (
              <tr key={w.id} aria-label={`Lost worker ${w.id}`}>
                <Td className="font-mono text-xs">{w.id}</Td>
                <Td>{w.last?.host ?? '—'}</Td>
                <Td className="font-mono text-xs">{w.last?.address ?? '—'}</Td>
                <Td numeric>{w.last?.pid ?? '—'}</Td>
                <Td>
                  <Time ms={w.lastSeen} />
                </Td>
                <Td>{w.last ? <RunningJobs running={w.last.running} label={`Jobs ${w.id} held`} /> : 'unknown (its last heartbeat expired)'}</Td>
                <Td numeric>{w.last?.processed ?? '—'}</Td>
                <Td numeric>{w.last?.failed ?? '—'}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
