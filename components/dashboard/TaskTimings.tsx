import type { Timings } from '@/lib/events/contract';
import { Table, Td, Th } from '../ui/Table';
import { formatDuration } from '../ui/format';

/** Wait (enqueue → start) and run (start → end) p50/p95 per task, from recent completed jobs. */
export function TaskTimings({ timings }: { timings: Timings }) {
  if (timings.tasks.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No completed jobs to measure yet.</p>;
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-600 dark:text-slate-400">From the newest {timings.perQueue} completed jobs of each queue.</p>
      <Table caption="Wait and run time per task">
        <thead>
          <tr>
            <Th>Task</Th>
            <Th>Queue</Th>
            <Th numeric>Jobs</Th>
            <Th numeric>Wait p50</Th>
            <Th numeric>Wait p95</Th>
            <Th numeric>Run p50</Th>
            <Th numeric>Run p95</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {timings.tasks.map((t) => (
            <tr key={`${t.queue}/${t.task}`}>
              <Td>{t.task}</Td>
              <Td>{t.queue}</Td>
              <Td numeric>{t.samples}</Td>
              <Td numeric>{formatDuration(t.waitP50)}</Td>
              <Td numeric>{formatDuration(t.waitP95)}</Td>
              <Td numeric>{formatDuration(t.runP50)}</Td>
              <Td numeric>{formatDuration(t.runP95)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
