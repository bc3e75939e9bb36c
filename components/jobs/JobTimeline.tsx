import type { TimelineEntry } from '@/lib/data/job-dto';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { cn } from '../ui/cn';

const dot: Record<TimelineEntry['tone'], string> = {
  info: 'bg-slate-400',
  ok: 'bg-emerald-500',
  error: 'bg-rose-500',
  running: 'bg-sky-500 animate-pulse',
};

/** The job's life, step by step: when each step happened, how long attempts took, and how they ended. */
export function JobTimeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol aria-label="Timeline" className="space-y-3">
      {entries.map((e, i) => (
        <li key={`${e.kind}-${e.attempt ?? ''}-${i}`} className="flex gap-3 text-sm">
          <span aria-hidden="true" className={cn('mt-1.5 h-2.5 w-2.5 shrink-0 rounded-full', dot[e.tone])} />
          <div className="min-w-0">
            <p className="font-medium">{e.label}</p>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              {e.at !== null ? <Time ms={e.at} /> : e.kind === 'attempt' ? 'time not recorded' : null}
              {e.kind === 'attempt' && e.at !== null && e.until ? ` · took ${formatDuration(e.until - e.at)}` : null}
              {e.kind === 'delayed' && e.until ? (
                <>
                  {' · due '}
                  <Time ms={e.until} />
                </>
              ) : null}
              {e.kind === 'held' && e.until ? (
                <>
                  {e.at !== null ? ' · ' : ''}
                  {'may run at '}
                  <Time ms={e.until} />
                </>
              ) : null}
            </p>
            {e.detail && (
              <p
                className={cn(
                  'mt-0.5 font-mono text-xs break-words whitespace-pre-wrap',
                  e.tone === 'error' ? 'text-rose-700 dark:text-rose-300' : 'text-slate-700 dark:text-slate-300',
                )}
              >
                {e.detail}
              </p>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
