import type { JobDTO } from '@/lib/data/job-dto';
import { seg } from '../api';
import { withBase } from '../base-path';

/** Where the whole of a job part is downloaded from. */
export function downloadHref(job: Pick<JobDTO, 'queue' | 'id'>, part: string, line?: number): string {
  const q = new URLSearchParams({ part });
  if (line !== undefined) q.set('line', String(line));
  return withBase(`/api/v1/queues/${seg(job.queue)}/jobs/${seg(job.id)}/download?${q.toString()}`);
}

/** "2.0 MB", "256 KB", "900 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
