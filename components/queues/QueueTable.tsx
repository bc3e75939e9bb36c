import Link from 'next/link';
import type { QueueSummaryDTO } from '@/lib/data/queue-dto';
import { JOB_STATES } from '@/lib/data/queue-states';
import { seg } from '../api';
import { Table, Th, Td } from '../ui/Table';
import { stateLabel } from '../ui/StateBadge';
import { Age } from './Age';

/** Queues with their counts per state, workers and the age of the oldest waiting job. */
export function QueueTable({ queues }: { queues: QueueSummaryDTO[] }) {
  if (queues.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No queues yet. A queue appears once a job is added to it.</p>;
  return (
    <Table caption="Queues and their job counts">
      <thead>
        <tr>
          <Th>Queue</Th>
          {JOB_STATES.map((s) => (
            <Th key={s} numeric>
              {stateLabel(s)}
            </Th>
          ))}
          <Th numeric>Workers</Th>
          <Th numeric>Oldest waiting</Th>
          <Th>Status</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {queues.map((q) => (
          <tr key={q.name}>
            <Td>
              <Link href={`/queues/${seg(q.name)}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                {q.name}
              </Link>
            </Td>
            {JOB_STATES.map((s) => (
              <Td key={s} numeric>
                {q.counts[s]}
              </Td>
            ))}
            <Td numeric>{q.workers}</Td>
            <Td numeric>
              <Age since={q.counts.waiting > 0 ? q.oldestWaitingAt : null} />
            </Td>
            <Td>{q.paused ? 'Paused' : 'Running'}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
