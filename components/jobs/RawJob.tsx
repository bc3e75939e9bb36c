'use client';
import { useState } from 'react';
import type { JobDTO } from '@/lib/data/job-dto';
import { JsonBlock } from '../ui/JsonBlock';
import { downloadHref } from './download';

/** The job's Redis hash as stored, rendered only when opened (it can be long). */
export function RawJob({ job }: { job: JobDTO }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)} className="text-sm">
      <summary className="cursor-pointer font-medium">Raw JSON of the job (as stored in Redis)</summary>
      {open && (
        <div className="mt-2 space-y-2">
          <JsonBlock value={{ queue: job.queue, id: job.id, state: job.state, fields: job.raw }} label="Raw job" />
          <a href={downloadHref(job, 'job')} download className="text-indigo-700 underline dark:text-indigo-300">
            Download the whole job as JSON
          </a>
        </div>
      )}
    </details>
  );
}
