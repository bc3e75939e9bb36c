import { load } from '@/lib/data/load';
import { listSchedulers } from '@/lib/data/scheduler-list';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Table, Th, Td } from '@/components/ui/Table';
import { Time } from '@/components/ui/Time';
import { formatDuration } from '@/components/ui/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Schedules' };

export default async function SchedulesPage() {
  const res = await load(listSchedulers);
  return (
    <>
      <PageHeader title="Schedules" description="Periodic jobs: the BullMQ job schedulers found in Redis." />
      {!res.ok ? (
        <Unavailable />
      ) : res.data.length === 0 ? (
        <Notice title="No schedules yet">No queue under this prefix has a job scheduler.</Notice>
      ) : (
        <Table caption="Job schedulers">
          <thead>
            <tr>
              <Th>Scheduler</Th>
              <Th>Queue</Th>
              <Th>Task</Th>
              <Th>Trigger</Th>
              <Th>Next run</Th>
              <Th numeric>Runs</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {res.data.map((s) => (
              <tr key={`${s.queue}/${s.id}`}>
                <Td className="font-mono text-xs">{s.id}</Td>
                <Td>{s.queue}</Td>
                <Td>{s.task}</Td>
                <Td>{s.pattern ? `cron ${s.pattern}${s.tz ? ` (${s.tz})` : ''}` : s.everyMs ? `every ${formatDuration(s.everyMs)}` : '—'}</Td>
                <Td><Time ms={s.next} /></Td>
                <Td numeric>{s.iterationCount ?? '—'}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
