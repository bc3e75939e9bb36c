import type { TaskRetentionDTO } from '@/lib/data/queue-dto';
import type { KeepJobs } from '@/lib/queue/job-options';
import { Card } from '../ui/Card';
import { Table, Th, Td } from '../ui/Table';

function plural(n: number, unit: string): string {
  return `${n.toLocaleString('en')} ${unit}${n === 1 ? '' : 's'}`;
}

/** A retention age in seconds, in the largest whole unit: "7 days", "36 hours", "90 seconds". */
export function describeAge(s: number): string {
  if (s % 86_400 === 0) return plural(s / 86_400, 'day');
  if (s % 3_600 === 0) return plural(s / 3_600, 'hour');
  if (s % 60 === 0) return plural(s / 60, 'minute');
  return plural(s, 'second');
}

/** "7 days or the last 10,000", "the last 100", "30 days". */
export function describeKeep(k: KeepJobs): string {
  const parts: string[] = [];
  if (k.age !== undefined) parts.push(describeAge(k.age));
  if (k.count !== undefined) parts.push(`the last ${k.count.toLocaleString('en')}`);
  return parts.join(' or ');
}

/** How long each task's finished jobs stay on this queue. */
export function RetentionCard({ retention }: { retention: TaskRetentionDTO[] }) {
  return (
    <Card title="Retention">
      {retention.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          No Celerity task uses this queue: how long its finished jobs are kept is set by whoever adds them (BullMQ&apos;s removeOnComplete and removeOnFail).
        </p>
      ) : (
        <Table caption="Finished jobs kept per task">
          <thead>
            <tr>
              <Th>Task</Th>
              <Th>Completed jobs kept</Th>
              <Th>Failed jobs kept</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {retention.map((r) => (
              <tr key={r.task}>
                <Td>{r.task}</Td>
                <Td>{describeKeep(r.retention.completed)}</Td>
                <Td>{describeKeep(r.retention.failed)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
