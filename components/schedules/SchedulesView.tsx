'use client';
import { useCallback, useMemo, useState } from 'react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import type { ScheduleDTO } from '@/lib/data/schedule-dto';
import type { OrphanDTO } from '@/lib/scheduler/schedule-service';
import { useRoom } from '../live/LiveProvider';
import { api, ApiError, seg } from '../api';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { Notice } from '../ui/Notice';
import { Table, Td, Th } from '../ui/Table';
import { StateBadge } from '../ui/StateBadge';
import { Time } from '../ui/Time';
import { inputClass } from '../ui/Field';
import { formatDuration } from '../ui/format';
import { ConfirmDialog } from './ConfirmDialog';
import { EnabledSwitch } from './EnabledSwitch';
import { ScheduleStatus, SourceBadge, STATUS_LABEL } from './ScheduleStatus';
import { ZonedTime } from './ZonedTime';
import { ScheduleTarget } from './ScheduleTarget';
import { scheduleTarget } from '@/lib/scheduler/schedule-target';
import { useLatest, useThrottled } from './use-throttled';
import { scheduleZone } from './zones';
import { useCanWrite } from '../auth/SessionProvider';

export interface ScheduleList {
  schedules: ScheduleDTO[];
  orphans: OrphanDTO[];
}

const STATES = ['active', 'paused', 'done'] as const;

const fetchList = () => api<ScheduleList>('/api/v1/schedules');

/**
 * The schedules table with its filters (kept in the URL so a view can be
 * linked), an enabled switch per row and the orphan schedulers. Kept current
 * by re-reading the list (at most once a second) whenever queue counts change:
 * every run of a schedule changes its queue's counts.
 */
export function SchedulesView({ initial }: { initial: ScheduleList }) {
  const [data, setData] = useState(initial);
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [orphan, setOrphan] = useState<OrphanDTO | null>(null);
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const refetch = useLatest(fetchList, setData);
  const throttled = useThrottled(refetch, 1000);
  // Only frames of queues that schedules run on can change this page (with none yet, any frame may be a first run).
  const queues = new Set(data.schedules.map((s) => s.queue));
  useRoom('dashboard', { counts: (frame) => (queues.size === 0 || Object.keys(frame.queues).some((q) => queues.has(q))) && throttled() }, refetch);

  const params = useSearchParams();
  // Viewers get no switches, remove buttons or dialogs (the server would refuse them with 403 anyway).
  const canWrite = useCanWrite();
  const taskFilter = params.get('task') ?? '';
  const stateFilter = params.get('state') ?? '';
  const setFilter = (key: 'task' | 'state', value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    // Next keeps useSearchParams in step with the native history API: no server round trip for a filter.
    window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
  };

  const tasks = useMemo(() => {
    const names = new Set(data.schedules.map((s) => scheduleTarget(s.definition).name));
    if (taskFilter) names.add(taskFilter);
    return [...names].sort();
  }, [data.schedules, taskFilter]);
  const shown = data.schedules.filter((s) => (!taskFilter || scheduleTarget(s.definition).name === taskFilter) && (!stateFilter || s.status === stateFilter));

  const toggle = useCallback(
    async (s: ScheduleDTO, enabled: boolean) => {
      const name = s.definition.name;
      setError(null);
      setBusy((b) => ({ ...b, [name]: true }));
      // Show the new position at once; the list read after the PATCH brings status and next run.
      setData((d) => ({ ...d, schedules: d.schedules.map((x) => (x.definition.name === name ? { ...x, definition: { ...x.definition, enabled } } : x)) }));
      try {
        await api(`/api/v1/schedules/${seg(name)}`, { method: 'PATCH', body: { enabled } });
        setStatus(`${name} ${enabled ? 'enabled' : 'disabled'}.`);
      } catch (err) {
        setData((d) => ({
          ...d,
          schedules: d.schedules.map((x) => (x.definition.name === name ? { ...x, definition: { ...x.definition, enabled: !enabled } } : x)),
        }));
        setError(`${name} could not be ${enabled ? 'enabled' : 'disabled'}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        setBusy((b) => ({ ...b, [name]: false }));
        refetch();
      }
    },
    [refetch],
  );

  async function removeOrphan() {
    if (!orphan) return;
    setRemoving(true);
    setRemoveError(null);
    try {
      await api(`/api/v1/queues/${seg(orphan.queue)}/schedulers/${seg(orphan.id)}`, { method: 'DELETE' });
      setStatus(`Scheduler ${orphan.id} removed from queue ${orphan.queue}.`);
      setOrphan(null);
      refetch();
    } catch (err) {
      // Already gone (someone else removed it, or a definition now owns it): the list says what is true now.
      if (err instanceof ApiError && err.status === 404) {
        setOrphan(null);
        refetch();
      } else setRemoveError(err instanceof Error ? err.message : String(err));
    } finally {
      setRemoving(false);
    }
  }

  return (
    <div className="space-y-6">
      <p role="status" className="sr-only">
        {status}
      </p>
      {error && (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}

      <form role="search" aria-label="Filter schedules" className="flex flex-wrap items-end gap-4" onSubmit={(e) => e.preventDefault()}>
        <div className="space-y-1">
          <label htmlFor="schedule-filter-task" className="block text-sm font-medium">
            Task
          </label>
          <select id="schedule-filter-task" className={inputClass} value={taskFilter} onChange={(e) => setFilter('task', e.target.value)}>
            <option value="">All tasks</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="schedule-filter-state" className="block text-sm font-medium">
            State
          </label>
          <select id="schedule-filter-state" className={inputClass} value={stateFilter} onChange={(e) => setFilter('state', e.target.value)}>
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <p className="pb-1.5 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
          {shown.length === data.schedules.length
            ? `${shown.length} ${shown.length === 1 ? 'schedule' : 'schedules'}`
            : `${shown.length} of ${data.schedules.length} schedules`}
        </p>
      </form>

      {data.schedules.length === 0 ? (
        <Notice title="No schedules yet">
          {canWrite ? (
            <>
              <Link href="/schedules/new" className="underline">
                Create one
              </Link>{' '}
              to run a task every few seconds, on a cron expression, or once at a given time.
            </>
          ) : (
            'An admin can create one to run a task every few seconds, on a cron expression, or once at a given time.'
          )}
        </Notice>
      ) : (
        <Table caption="Schedules" showCaption>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Task or workflow</Th>
              <Th>Trigger</Th>
              <Th>Next run</Th>
              <Th>Last run</Th>
              <Th numeric>Runs</Th>
              <Th numeric>Failures</Th>
              <Th>Source</Th>
              <Th>Status</Th>
              <Th>Enabled</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {shown.length === 0 && (
              <tr>
                <td colSpan={10} className="px-3 py-2 text-slate-500 dark:text-slate-400">
                  No schedule matches these filters.
                </td>
              </tr>
            )}
            {shown.map((s) => (
              <ScheduleRow key={s.definition.name} s={s} busy={busy[s.definition.name] ?? false} onToggle={toggle} />
            ))}
          </tbody>
        </Table>
      )}

      {data.orphans.length > 0 && (
        <Card title="Orphan schedulers">
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            BullMQ job schedulers that no schedule defines (left by another tool, or by a schedule deleted while Redis was being written). They are never
            removed automatically.
          </p>
          <Table caption="Orphan schedulers">
            <thead>
              <tr>
                <Th>Queue</Th>
                <Th>Scheduler</Th>
                <Th>Task</Th>
                <Th>Trigger</Th>
                <Th>Next run</Th>
                {canWrite && <Th>Action</Th>}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {data.orphans.map((o) => (
                <tr key={`${o.queue}\u0000${o.id}`}>
                  <Td>{o.queue}</Td>
                  <Td className="font-mono text-xs break-all">{o.id}</Td>
                  <Td>{o.task}</Td>
                  <Td>{o.pattern ? `cron ${o.pattern}${o.tz ? ` (${o.tz})` : ''}` : o.everyMs ? `every ${formatDuration(o.everyMs)}` : '—'}</Td>
                  <Td>
                    <Time ms={o.next} />
                  </Td>
                  {canWrite && (
                    <Td>
                      <Button
                        variant="secondary"
                        aria-label={`Remove scheduler ${o.id} of queue ${o.queue}`}
                        onClick={() => {
                          setRemoveError(null);
                          setOrphan(o);
                        }}
                      >
                        Remove
                      </Button>
                    </Td>
                  )}
                </tr>
              ))}
            </tbody>
          </Table>
        </Card>
      )}

      {canWrite && (
        <ConfirmDialog
          open={orphan !== null}
          title="Remove this scheduler?"
          confirmLabel="Remove scheduler"
          busy={removing}
          error={removeError}
          onConfirm={removeOrphan}
          onCancel={() => setOrphan(null)}
        >
          {orphan && (
            <p>
              The job scheduler “{orphan.id}” of queue “{orphan.queue}” and its pending job will be removed from Redis. Jobs it already created stay.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}

function ScheduleRow({ s, busy, onToggle }: { s: ScheduleDTO; busy: boolean; onToggle: (s: ScheduleDTO, enabled: boolean) => void }) {
  const d = s.definition;
  const zone = scheduleZone(d.trigger);
  return (
    <tr>
      <Td className="font-medium">
        <Link href={`/schedules/${seg(d.name)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
          {d.name}
        </Link>
        {d.description && <span className="block text-xs font-normal text-slate-500 dark:text-slate-400">{d.description}</span>}
      </Td>
      <Td>
        <ScheduleTarget definition={d} />
      </Td>
      <Td>{s.words}</Td>
      <Td>
        <ZonedTime ms={s.status === 'active' ? s.nextRun : null} zone={zone} />
      </Td>
      <Td>
        {s.lastRun ? (
          <span className="flex flex-wrap items-center gap-1.5">
            <StateBadge state={s.lastRun.state} />
            <Link href={`/queues/${seg(s.lastRun.queue)}/jobs/${seg(s.lastRun.jobId)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
              <Time ms={s.lastRun.startedAt} />
            </Link>
          </span>
        ) : (
          '—'
        )}
      </Td>
      <Td numeric>{s.runCount}</Td>
      <Td numeric>{s.failureCount}</Td>
      <Td>
        <SourceBadge source={d.source} />
      </Td>
      <Td>
        <ScheduleStatus status={s.status} />
      </Td>
      <Td>
        <EnabledSwitch name={d.name} enabled={d.enabled} busy={busy} onToggle={(v) => onToggle(s, v)} />
      </Td>
    </tr>
  );
}
