import Link from 'next/link';
import type { ResultRowDTO } from '@/lib/data/result-dto';
import { seg } from '../api';
import { Table, Th, Td } from '../ui/Table';
import { StateBadge } from '../ui/StateBadge';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';

/** Finished jobs found by a search, newest first. Every value is text. */
export function ResultsTable({ rows }: { rows: ResultRowDTO[] }) {
  return (
    <Table caption="Finished jobs found, newest first">
      <thead>
        <tr>
          <Th>Job</Th>
          <Th>Queue</Th>
          <Th>Task</Th>
          <Th>State</Th>
          <Th>Finished</Th>
          <Th numeric>Duration</Th>
          <Th numeric>Attempts</Th>
          <Th>Arguments</Th>
          <Th>Result or error</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {rows.map((r) => (
          <tr key={`${r.queue}\u0000${r.id}`}>
            <Td>
              <Link href={`/queues/${seg(r.queue)}/jobs/${seg(r.id)}`} className="font-mono text-indigo-700 hover:underline dark:text-indigo-300">
                {r.id}
              </Link>
            </Td>
            <Td>{r.queue}</Td>
            <Td>{r.name}</Td>
            <Td>
              <StateBadge state={r.state} />
            </Td>
            <Td>
              <Time ms={r.finishedAt} />
            </Td>
            <Td numeric>{formatDuration(r.durationMs)}</Td>
            <Td numeric>{r.attemptsMade}</Td>
            <Td className="max-w-xs truncate font-mono text-xs">{r.args}</Td>
            <Td className={r.state === 'failed' ? 'max-w-md truncate text-rose-700 dark:text-rose-300' : 'max-w-md truncate font-mono text-xs'}>
              {r.state === 'failed' ? r.error : r.result}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
