'use client';
import { useEffect, useMemo, useState } from 'react';
import type { ShownRun } from './shown-run';
import { formatDuration } from '../ui/format';
import { cn } from '../ui/cn';
import { timelineOf, totals, type Segment } from './timeline-bars';
import { runFinished } from './workflow-states';
import { useFirstRows } from './ShowAll';

const barClass: Record<Segment['kind'], string> = {
  waiting: 'bg-slate-300 dark:bg-slate-600',
  queued: 'bg-amber-400 dark:bg-amber-500',
  running: 'bg-sky-500',
};

function runningClass(outcome: Segment['outcome']): string {
  if (outcome === 'failed') return 'bg-rose-600';
  if (outcome === 'cancelled') return 'bg-zinc-500';
  if (outcome === 'completed') return 'bg-emerald-600';
  return barClass.running;
}

const verb = { waiting: 'waited', queued: 'queued', running: 'ran' } as const;

function describe(s: Segment): string {
  const what =
    s.kind === 'running'
      ? `attempt ${s.attempt} ran${s.outcome && s.outcome !== 'running' ? ` (${s.outcome})` : ''}`
      : `${verb[s.kind]}${s.kind === 'queued' ? ` before attempt ${s.attempt}` : ''}`;
  return `${what}: ${formatDuration(s.end - s.start)}`;
}

/**
 * "Now", ticking each second while the run goes on, so open bars grow between live frames.
 * Null until mounted: the server's clock and the browser's differ, and the first render must match the server's HTML.
 */
function useNow(ticking: boolean): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

/** The latest time the run's data names: "now" for the first render (see useNow). */
function latestKnown(run: Pick<ShownRun, 'createdAt' | 'finishedAt' | 'nodes'>): number {
  let t = run.finishedAt ?? run.createdAt;
  for (const n of run.nodes) for (const a of n.attempts) t = Math.max(t, a.queuedAt ?? 0, a.startedAt ?? 0, a.finishedAt ?? 0);
  return t;
}

/**
 * The Gantt chart of a run: per step, how long it waited for its
 * predecessors, sat queued and ran, per attempt. Each row also says it in
 * words (the bars are for the eye; their times are in the row's text).
 */
export function RunTimeline({ run }: { run: Pick<ShownRun, 'createdAt' | 'finishedAt' | 'nodes' | 'state'> }) {
  const now = useNow(!runFinished(run.state));
  const tl = useMemo(() => timelineOf(run, now ?? latestKnown(run)), [run, now]);
  const { shown, more } = useFirstRows(tl.rows, 'steps');
  const span = tl.end - tl.start;
  const pct = (t: number) => `${(((t - tl.start) / span) * 100).toFixed(3)}%`;
  return (
    <section aria-labelledby="timeline-title" className="space-y-2">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="timeline-title" className="text-sm font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">
          Timeline
        </h2>
        <ul aria-label="Legend" className="flex flex-wrap gap-3 text-xs text-slate-700 dark:text-slate-300">
          {(
            [
              ['Waiting for earlier steps', barClass.waiting],
              ['Queued', barClass.queued],
              ['Running', barClass.running],
              ['Completed', 'bg-emerald-600'],
              ['Failed', 'bg-rose-600'],
            ] as const
          ).map(([label, cls]) => (
            <li key={label} className="flex items-center gap-1">
              <span aria-hidden="true" className={cn('inline-block h-2.5 w-4 rounded-sm', cls)} />
              {label}
            </li>
          ))}
        </ul>
      </div>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        0 to {formatDuration(span)} after the run was created{runFinished(run.state) ? '' : ' (so far)'}.
      </p>
      <ol
        // Scrolls on its own: focusable, so a keyboard can scroll it too.
        tabIndex={0}
        aria-labelledby="timeline-title"
        className="max-h-[32rem] space-y-1 overflow-y-auto rounded-lg border border-slate-200 bg-white p-2 text-xs dark:border-slate-800 dark:bg-slate-900"
      >
        {shown.map(({ step, segments }) => {
          const t = totals(segments);
          return (
            <li
              key={step.id}
              className="grid grid-cols-[10rem_1fr_14rem] items-center gap-2"
              style={{ contentVisibility: 'auto', containIntrinsicSize: 'auto 1.25rem' }}
            >
              <span className="truncate font-medium" title={`${step.id} ${step.label}`}>
                {step.label} <span className="font-mono text-slate-500 dark:text-slate-400">{step.id}</span>
              </span>
              <span aria-hidden="true" className="relative block h-3 rounded bg-slate-100 dark:bg-slate-800">
                {segments.map((s, i) => (
                  <span
                    key={i}
                    title={describe(s)}
                    className={cn('absolute top-0 h-full min-w-px rounded-sm', s.kind === 'running' ? runningClass(s.outcome) : barClass[s.kind])}
                    style={{ left: pct(s.start), width: `max(1px, ${(((s.end - s.start) / span) * 100).toFixed(3)}%)` }}
                  />
                ))}
              </span>
              <span className="tabular-nums text-slate-700 dark:text-slate-300">
                {segments.length === 0
                  ? 'not started'
                  : `waited ${formatDuration(t.waiting)} · queued ${formatDuration(t.queued)} · ran ${formatDuration(t.running)}`}
                {step.attempts.length > 1 ? ` · ${step.attempts.length} attempts` : ''}
              </span>
            </li>
          );
        })}
      </ol>
      {more}
    </section>
  );
}
