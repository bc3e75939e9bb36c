'use client';
import { useState } from 'react';
import type { JobDTO, LogLine } from '@/lib/data/job-dto';
import type { LogPage } from '@/lib/data/job-logs-dto';
import { api, seg } from '../api';
import { Button } from '../ui/Button';
import { downloadHref, formatBytes } from './download';

const PAGE_SIZE = 200;

/**
 * The job's log: the newest lines (live, from the job's room) or any older
 * page from the logs API. Line numbers are the list's own numbering (not part
 * of each line's text); a line too long to show ends with a download link.
 */
export function JobLogs({ job }: { job: JobDTO }) {
  const [page, setPage] = useState<LogPage | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const lines: LogLine[] = page ? page.lines : job.logs;
  const first = lines[0]?.index ?? 0;
  const pages = Math.max(1, Math.ceil(job.logCount / PAGE_SIZE));

  async function open(p: number) {
    setBusy(true);
    setError(null);
    try {
      setPage(await api<LogPage>(`/api/v1/queues/${seg(job.queue)}/jobs/${seg(job.id)}/logs?page=${p}&pageSize=${PAGE_SIZE}`));
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not read the log');
    } finally {
      setBusy(false);
    }
  }

  // From the tail, "older" is the page holding the line just before the tail's first one.
  const olderPage = page ? page.page - 1 : Math.floor(Math.max(0, first - 1) / PAGE_SIZE) + 1;
  const hasOlder = first > 0;
  return (
    <div className="space-y-2">
      {lines.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">No log lines yet.</p>
      ) : (
        <ol
          aria-label="Log lines"
          aria-live={page ? undefined : 'polite'}
          start={first + 1}
          className="max-h-96 list-decimal overflow-auto rounded-md bg-slate-100 py-3 pr-3 pl-14 font-mono text-xs marker:text-slate-400 dark:bg-slate-950"
        >
          {lines.map((l) => (
            <li key={l.index} className="whitespace-pre-wrap break-all">
              {l.text}
              {l.truncated && (
                <>
                  {'… '}
                  <a href={downloadHref(job, 'log', l.index)} download className="text-indigo-700 underline dark:text-indigo-300">
                    download the whole line ({formatBytes(l.bytes)})
                  </a>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {(hasOlder || page) && (
        <nav aria-label="Log pages" className="flex flex-wrap items-center gap-2 text-sm">
          <Button variant="secondary" disabled={busy || !hasOlder || olderPage < 1} onClick={() => open(olderPage)}>
            Older lines
          </Button>
          {page && (
            <Button variant="secondary" disabled={busy || page.page >= page.pages} onClick={() => open(page.page + 1)}>
              Newer lines
            </Button>
          )}
          {page && (
            <Button variant="secondary" disabled={busy} onClick={() => setPage(null)}>
              Newest (live)
            </Button>
          )}
          <span className="text-slate-500 dark:text-slate-400">
            {page ? `Page ${page.page} of ${page.pages}` : `The newest ${lines.length} of ${job.logCount} lines`} · {pages} {pages === 1 ? 'page' : 'pages'} of{' '}
            {PAGE_SIZE}
          </span>
        </nav>
      )}
      {error && (
        <p role="alert" className="text-sm text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}
    </div>
  );
}
