'use client';
import { useId, useState } from 'react';
import { Button } from '../ui/Button';

/**
 * A chart with its text alternative: the figure is named by its title and
 * described by a one-line summary (what a screen reader announces), and a
 * button shows the same data as a table. The drawn chart itself is hidden
 * from assistive technology: the summary and the table say what it shows.
 */
export function ChartFigure({
  title,
  summary,
  children,
  table,
  actions,
}: {
  title: string;
  summary: string;
  children: React.ReactNode;
  table: () => React.ReactNode;
  actions?: React.ReactNode;
}) {
  const id = useId();
  const [showTable, setShowTable] = useState(false);
  return (
    <figure aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={`${id}-title`} className="text-sm font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">
          {title}
        </h3>
        <div className="flex items-center gap-2">
          {actions}
          <Button variant="secondary" aria-expanded={showTable} aria-controls={`${id}-table`} onClick={() => setShowTable((v) => !v)}>
            {showTable ? 'Hide table' : 'Show as table'}
          </Button>
        </div>
      </div>
      <p id={`${id}-summary`} className="text-sm text-slate-600 dark:text-slate-400">
        {summary}
      </p>
      <div aria-hidden="true" className="h-48 w-full text-slate-500 dark:text-slate-400">
        {children}
      </div>
      <div id={`${id}-table`} hidden={!showTable}>
        {showTable && table()}
      </div>
    </figure>
  );
}

/** Chart colours readable on white and on slate-900 alike. */
export const CHART_COLORS = { completed: '#10b981', failed: '#f43f5e' } as const;

/** Axes drawn in the text colour, so charts read in light and dark. */
export const AXIS = { stroke: 'currentColor', tick: { fill: 'currentColor', fontSize: 11 } } as const;
