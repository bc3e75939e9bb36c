import Link from 'next/link';
import type { Failure } from '@/lib/events/contract';
import { seg } from '../api';
import { Table, Td, Th } from '../ui/Table';
import { formatDuration } from '../ui/format';

/** The most recent jobs that failed for good, each linked to its page. */
export function LatestFailures({ failures, now }: { failures: Failure[]; now: number }) {
  if (failures.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No failed jobs.</p>;
  return (
    <Table caption="Latest failures">
      <thead>
        <tr>
          <Th>Job</Th>
          <Th>Queue</Th>
          <Th>Error</Th>
          <Th numeric>Attempts</Th>
          <Th numeric>Failed</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {failures.map((f) => (
          <tr key={`${f.queue}/${f.id}`}>
            <Td>
              <Link href={`/queues/${seg(f.queue)}/jobs/${seg(f.id)}`} className="underline">
                {f.task || 'job'} #{f.id}
              </Link>
            </Td>
            <Td>{f.queue}</Td>
            <Td className="max-w-md break-words text-rose-800 dark:text-rose-300">{f.reason || '—'}</Td>
            <Td numeric>{f.attemptsMade}</Td>
            <Td numeric>{f.failedAt ? (now >= f.failedAt ? `${formatDuration(now - f.failedAt)} ago` : 'just now') : '—'}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
