import type { JobDTO } from '@/lib/data/job-dto';
import type { Retention } from '@/lib/queue/job-options';
import { describeKeep } from '../queues/RetentionCard';
import { formatDuration } from '../ui/format';
import { describeDeduplication } from '@/lib/registry/dedupe-label';

const labels: Record<string, string> = {
  attempts: 'Attempts',
  backoff: 'Backoff',
  delay: 'Delay',
  priority: 'Priority',
  removeOnComplete: 'Keep when completed',
  removeOnFail: 'Keep when failed',
  jobId: 'Custom id',
  lifo: 'LIFO',
  keepLogs: 'Log lines kept',
  stackTraceLimit: 'Stack traces kept',
  repeat: 'Repeat',
  deduplication: 'Deduplication',
  parent: 'Parent',
  timestamp: 'Timestamp',
};
const order = Object.keys(labels);

function keep(v: unknown): string {
  if (v === true) return 'removed at once';
  if (v === false || v === undefined) return 'kept until removed';
  if (typeof v === 'number') return `the last ${v.toLocaleString('en')}`;
  if (v && typeof v === 'object') return describeKeep(v as { age?: number; count?: number });
  return JSON.stringify(v);
}

function show(key: string, v: unknown): string {
  switch (key) {
    case 'backoff':
      if (typeof v === 'number') return `fixed, ${formatDuration(v)}`;
      if (v && typeof v === 'object') {
        const b = v as { type?: string; delay?: number };
        return `${b.type ?? 'custom'}${typeof b.delay === 'number' ? `, ${formatDuration(b.delay)}` : ''}`;
      }
      break;
    case 'attempts':
      // BullMQ stores 0 when none was given and treats it, like 1, as a single try.
      if (typeof v === 'number') return v <= 1 ? '1 (no retries)' : `${v} (up to ${v - 1} ${v === 2 ? 'retry' : 'retries'})`;
      break;
    case 'delay':
      if (typeof v === 'number') return formatDuration(v);
      break;
    case 'removeOnComplete':
    case 'removeOnFail':
      return keep(v);
    case 'deduplication':
      if (v && typeof v === 'object') return describeDeduplication(v, formatDuration);
      break;
    case 'timestamp':
      if (typeof v === 'number') return new Date(v).toISOString();
      break;
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

/**
 * The job's options as BullMQ stored them, known ones in words, any other as JSON.
 * `workerRetention`: given for a Celerity task's job, the default retention its
 * worker applies to a job that names none (lib/queue/job-options.ts).
 */
export function JobOptions({ job, workerRetention }: { job: JobDTO; workerRetention?: Retention }) {
  const entries = Object.entries(job.options).sort(([a], [b]) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia === -1 ? 999 : ia) - (ib === -1 ? 999 : ib) || a.localeCompare(b);
  });
  // Options cut short on the page may name a retention that is not shown: nothing is implied then.
  const unset = job.truncated.options ? [] : (['removeOnComplete', 'removeOnFail'] as const).filter((k) => !(k in job.options));
  // Without a Celerity task, a job that names no retention is kept until removed (BullMQ's default): said for completed jobs.
  const implied = workerRetention
    ? unset.map((k) => [
        labels[k]!,
        `${describeKeep(k === 'removeOnComplete' ? workerRetention.completed : workerRetention.failed)} (Celerity's default, applied by its worker)`,
      ])
    : unset.includes('removeOnComplete')
      ? [[labels.removeOnComplete!, 'kept until removed']]
      : [];
  if (entries.length === 0 && implied.length === 0 && !job.truncated.options)
    return <p className="text-sm text-slate-500 dark:text-slate-400">No options: BullMQ&apos;s defaults apply.</p>;
  return (
    <dl aria-label="Options" className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-500 dark:text-slate-400">{labels[k] ?? k}</dt>
          <dd className="font-mono text-xs break-all">{show(k, v)}</dd>
        </div>
      ))}
      {implied.map(([label, text]) => (
        <div key={label} className="contents">
          <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
          <dd className="font-mono text-xs">{text}</dd>
        </div>
      ))}
    </dl>
  );
}
