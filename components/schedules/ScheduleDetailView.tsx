'use client';
import { useCallback, useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ScheduleDetailDTO } from '@/lib/data/schedule-dto';
import { useRoom } from '../live/LiveProvider';
import { api, ApiError, seg } from '../api';
import { Button, ButtonLink } from '../ui/Button';
import { Card } from '../ui/Card';
import { Fact } from '../ui/Fact';
import { JsonBlock } from '../ui/JsonBlock';
import { Notice } from '../ui/Notice';
import { StateBadge } from '../ui/StateBadge';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { ConfirmDialog } from './ConfirmDialog';
import { ScheduleStatus, SourceBadge, STATUS_LABEL } from './ScheduleStatus';
import { ZonedTime } from './ZonedTime';
import { ScheduleTarget } from './ScheduleTarget';
import { runHref } from '../workflows/run-href';
import { useLatest, useThrottled } from './use-throttled';
import { scheduleZone } from './zones';
import { useCanWrite } from '../auth/SessionProvider';

const KIND_LABEL = { scheduled: 'Scheduled', once: 'One-off', manual: 'Run now' } as const;

/**
 * One schedule: its definition, next runs, actions, run history and missed
 * slots. Kept current through its queue's room: every event of that queue
 * brings a count frame, on which the detail is re-read (at most once a second).
 */
export function ScheduleDetailView({ initial }: { initial: ScheduleDetailDTO }) {
  const router = useRouter();
  const [s, setS] = useState<ScheduleDetailDTO | null>(initial);
  const name = initial.definition.name;
  const [busy, setBusy] = useState<null | 'run' | 'toggle' | 'delete'>(null);
  const [message, setMessage] = useState<React.ReactNode>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const load = useCallback(() => api<ScheduleDetailDTO>(`/api/v1/schedules/${seg(name)}`), [name]);
  const onLoadError = useCallback((err: unknown) => {
    // Deleted elsewhere: say so. Redis away: keep what is shown; the next frame or resync corrects it.
    if (err instanceof ApiError && err.status === 404) setS(null);
  }, []);
  const refetch = useLatest(load, setS, onLoadError);
  const throttled = useThrottled(refetch, 1000);
  const queue = s?.queue ?? initial.queue;
  useRoom(`queue:${queue}`, { counts: (frame) => frame.queues[queue] && throttled() }, refetch);
  // Viewers get no action buttons (the server would refuse them with 403 anyway).
  const canWrite = useCanWrite();

  if (!s) {
    return (
      <Notice title="This schedule no longer exists">
        It was deleted.{' '}
        <Link href="/schedules" className="underline">
          All schedules
        </Link>
      </Notice>
    );
  }

  const d = s.definition;
  const zone = scheduleZone(d.trigger);
  const code = d.source === 'code';

  async function runNow() {
    setBusy('run');
    setError(null);
    try {
      const job = await api<{ queue: string; id: string }>(`/api/v1/schedules/${seg(name)}/runs`, { method: 'POST' });
      setMessage(
        <>
          Job{' '}
          <Link href={`/queues/${seg(job.queue)}/jobs/${seg(job.id)}`} className="font-mono underline">
            {job.id}
          </Link>{' '}
          queued.
        </>,
      );
      refetch();
    } catch (err) {
      setError(`The task could not be run: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(null);
    }
  }

  async function toggle() {
    const enabled = !d.enabled;
    setBusy('toggle');
    setError(null);
    try {
      await api(`/api/v1/schedules/${seg(name)}`, { method: 'PATCH', body: { enabled } });
      setMessage(enabled ? 'Schedule enabled.' : 'Schedule disabled: it runs nothing until enabled again.');
      refetch();
    } catch (err) {
      setError(`The schedule could not be ${enabled ? 'enabled' : 'disabled'}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy('delete');
    setDeleteError(null);
    try {
      await api(`/api/v1/schedules/${seg(name)}`, { method: 'DELETE' });
      setConfirming(false);
      router.push('/schedules');
    } catch (err) {
      setDeleteError(err instanceof Error ? err.message : String(err));
      setBusy(null);
    }
  }

  const lockedHelp = canWrite
    ? 'Defined in code (the schedules of the worker’s tasks module): change or remove it there. It can be paused and resumed here.'
    : 'Defined in code (the schedules of the worker’s tasks module).';

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <span className="text-sm text-slate-500 dark:text-slate-400">Status</span>
        <span role="status" aria-label="Schedule status">
          <ScheduleStatus status={s.status} />
        </span>
        <SourceBadge source={d.source} />
        <span className="text-sm">{s.words}</span>
      </div>

      {canWrite && (
        <div role="group" aria-label="Actions" className="flex flex-wrap items-center gap-2">
          <Button onClick={runNow} disabled={busy !== null}>
            {busy === 'run' ? 'Starting…' : 'Run now'}
          </Button>
          <Button variant="secondary" onClick={toggle} disabled={busy !== null}>
            {d.enabled ? 'Disable' : 'Enable'}
          </Button>
          {code ? (
            <Button variant="secondary" disabled aria-describedby="schedule-locked">
              Edit
            </Button>
          ) : (
            <ButtonLink variant="secondary" href={`/schedules/${seg(name)}/edit`}>
              Edit
            </ButtonLink>
          )}
          <ButtonLink variant="secondary" href={`/schedules/new?from=${seg(name)}`}>
            Duplicate
          </ButtonLink>
          {!code && (
            <Button
              variant="danger"
              disabled={busy !== null}
              onClick={() => {
                setDeleteError(null);
                setConfirming(true);
              }}
            >
              Delete
            </Button>
          )}
        </div>
      )}
      {code && (
        <p id="schedule-locked" className="text-sm text-slate-600 dark:text-slate-400">
          {lockedHelp}
        </p>
      )}
      <div role="status" aria-label="Action result" className="text-sm">
        {message}
      </div>
      {error && (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}

      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Definition" className="lg:col-span-2">
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500 dark:text-slate-400">{d.workflow !== undefined ? 'Workflow' : 'Task'}</dt>
            <dd>
              <ScheduleTarget definition={d} />
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Queue</dt>
            <dd>
              <Link href={`/queues/${seg(s.queue)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                {s.queue}
              </Link>
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Trigger</dt>
            <dd>{s.words}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Time zone</dt>
            <dd>{zone}</dd>
            {d.description && (
              <>
                <dt className="text-slate-500 dark:text-slate-400">Description</dt>
                <dd className="whitespace-pre-wrap">{d.description}</dd>
              </>
            )}
            <dt className="text-slate-500 dark:text-slate-400">Enabled</dt>
            <dd>{d.enabled ? 'Yes' : 'No'}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Catch up once on resume</dt>
            <dd>{d.catchUp ? 'Yes' : 'No'}</dd>
            <dt className="text-slate-500 dark:text-slate-400">Attempts</dt>
            <dd>{d.options.attempts ?? 'task default'}</dd>
            {d.options.priority !== undefined && (
              <>
                <dt className="text-slate-500 dark:text-slate-400">Priority</dt>
                <dd>{d.options.priority}</dd>
              </>
            )}
            {d.options.backoff && (
              <>
                <dt className="text-slate-500 dark:text-slate-400">Backoff</dt>
                <dd>
                  {d.options.backoff.type}, {formatDuration(d.options.backoff.delay)}
                </dd>
              </>
            )}
            <dt className="text-slate-500 dark:text-slate-400">Created</dt>
            <dd>
              <Time ms={Date.parse(d.createdAt)} />
            </dd>
            <dt className="text-slate-500 dark:text-slate-400">Updated</dt>
            <dd>
              <Time ms={Date.parse(d.updatedAt)} />
            </dd>
          </dl>
          <h3 className="mt-4 mb-1 text-sm font-medium">Arguments</h3>
          <JsonBlock value={d.args} label="Arguments" />
        </Card>

        <div className="space-y-4">
          <Card title="Counters">
            <div className="grid grid-cols-2 gap-3">
              <Fact
                label="Total runs"
                termClassName="text-xs font-medium tracking-wide text-slate-500 dark:text-slate-400 uppercase"
                valueClassName="text-2xl font-semibold tabular-nums"
              >
                {s.runCount}
              </Fact>
              <Fact
                label="Failures"
                termClassName="text-xs font-medium tracking-wide text-slate-500 dark:text-slate-400 uppercase"
                valueClassName="text-2xl font-semibold tabular-nums"
              >
                {s.failureCount}
              </Fact>
            </div>
          </Card>
          <Card title="Upcoming runs">
            {s.status === 'done' ? (
              <p className="text-sm">Done: {d.trigger.type === 'once' ? 'the one-off has run.' : 'no run is left.'}</p>
            ) : s.status === 'paused' ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">{STATUS_LABEL.paused}: nothing runs until it is enabled.</p>
            ) : s.upcoming.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">No run is left.</p>
            ) : (
              <ol aria-label="Upcoming runs" className="list-decimal space-y-1 pl-5 text-sm">
                {s.upcoming.map((iso) => (
                  <li key={iso}>
                    <ZonedTime ms={Date.parse(iso)} zone={zone} />
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      </div>

      <Card title="Run history">
        {s.runs.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No runs yet.</p>
        ) : (
          <Table caption="Run history">
            <thead>
              <tr>
                <Th>State</Th>
                <Th>Kind</Th>
                <Th>Slot</Th>
                <Th>Started</Th>
                <Th numeric>Duration</Th>
                <Th>Error</Th>
                <Th>Job</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {s.runs.map((r) => (
                <tr key={r.jobId}>
                  <Td>
                    <StateBadge state={r.state} />
                  </Td>
                  <Td>{KIND_LABEL[r.kind]}</Td>
                  <Td>{r.slot !== null ? <ZonedTime ms={r.slot} zone={zone} /> : '—'}</Td>
                  <Td>
                    <Time ms={r.startedAt} />
                  </Td>
                  <Td numeric>{r.finishedAt !== null ? formatDuration(r.finishedAt - r.startedAt) : 'running'}</Td>
                  <Td className="max-w-xs text-rose-700 break-words dark:text-rose-300">{r.error ?? ''}</Td>
                  <Td>
                    <Link
                      href={`/queues/${seg(r.queue)}/jobs/${seg(r.jobId)}`}
                      className="font-mono text-xs break-all text-indigo-700 hover:underline dark:text-indigo-300"
                    >
                      {r.jobId}
                    </Link>
                    {r.workflowRun && d.workflow !== undefined && (
                      <Link
                        href={runHref(d.workflow, r.workflowRun)}
                        className="block text-xs text-indigo-700 hover:underline dark:text-indigo-300"
                        aria-label={`Workflow run ${r.workflowRun}`}
                      >
                        workflow run <span className="font-mono">{r.workflowRun}</span>
                      </Link>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>

      <Card title="Missed slots">
        {s.missed.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No missed slots.</p>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400">
              Times when no worker ran the schedule{d.catchUp ? ' (one catch-up run covers them when workers are back)' : ' (not back-filled: catch-up is off)'}
              .
            </p>
            <ul aria-label="Missed slots" className="space-y-1 text-sm">
              {s.missed.map((ms) => (
                <li key={ms}>
                  <ZonedTime ms={ms} zone={zone} />
                </li>
              ))}
            </ul>
          </>
        )}
      </Card>

      {canWrite && (
        <ConfirmDialog
          open={confirming}
          title={`Delete ${name}?`}
          confirmLabel="Delete schedule"
          busy={busy === 'delete'}
          error={deleteError}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        >
          <p>The schedule and its BullMQ scheduler are removed, with its run history. Jobs it already created stay in their queue.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
