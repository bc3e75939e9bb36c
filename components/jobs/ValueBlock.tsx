import type { JobDTO, TruncatedValue } from '@/lib/data/job-dto';
import { JsonBlock } from '../ui/JsonBlock';
import { downloadHref, formatBytes } from './download';

/**
 * A job value as pretty JSON, or — when it is too large to show — its first
 * part as stored (plain text, never parsed or rendered as HTML), its size,
 * and a link to download the whole.
 */
export function ValueBlock({
  job,
  value,
  truncated,
  part,
  what,
  label,
}: {
  job: JobDTO;
  value: unknown;
  truncated?: TruncatedValue;
  part: string;
  what: string;
  label?: string;
}) {
  if (!truncated) return <JsonBlock value={value} label={label} />;
  return (
    <div className="space-y-2">
      <p className="text-sm text-amber-800 dark:text-amber-200">
        Too large to show whole ({formatBytes(truncated.bytes)}): its first {formatBytes(truncated.preview.length)}, as stored.{' '}
        <a href={downloadHref(job, part)} download className="font-medium text-indigo-700 underline dark:text-indigo-300">
          Download the full {what} ({formatBytes(truncated.bytes)})
        </a>
      </p>
      <pre
        tabIndex={0}
        role={label ? 'region' : undefined}
        aria-label={label}
        className="max-h-96 overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all text-slate-800 dark:bg-slate-950 dark:text-slate-200"
      >
        {truncated.preview}…
      </pre>
    </div>
  );
}
