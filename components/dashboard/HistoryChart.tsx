'use client';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { HistoryRange, ThroughputHistoryDTO } from '@/lib/data/dashboard-history';
import { cn } from '../ui/cn';
import { AXIS, ChartFigure, CHART_COLORS } from './ChartFigure';
import { ThroughputTable } from './ThroughputTable';
import { ChartTooltip } from './ChartTooltip';
import { percent } from './figures';

const LABELS: Record<HistoryRange, string> = { '1h': 'Last hour', '24h': 'Last 24 hours' };

const minuteClock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** Completed and failed jobs per minute (last hour) or per 15 minutes (24 h), from BullMQ's metrics. */
export function HistoryChart({ history }: { history: Record<HistoryRange, ThroughputHistoryDTO | null> }) {
  const [range, setRange] = useState<HistoryRange>('1h');
  const h = history[range];
  const per = range === '1h' ? 'minute' : '15 minutes';
  const peak = h ? Math.max(0, ...h.points.map((p) => p.completed + p.failed)) : 0;
  const summary = !h
    ? 'History could not be read.'
    : `${LABELS[range]}: ${h.totals.completed} completed, ${h.totals.failed} failed (failure rate ${percent(h.totals.failed, h.totals.completed + h.totals.failed)}); busiest ${per} ${peak} jobs. From the per-minute metrics the workers record.`;
  const toggle = (
    <div role="group" aria-label="History range" className="inline-flex overflow-hidden rounded-md ring-1 ring-slate-300 dark:ring-slate-600">
      {(['1h', '24h'] as const).map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={range === r}
          onClick={() => setRange(r)}
          className={cn(
            'px-3 py-1.5 text-sm font-medium',
            range === r
              ? 'bg-indigo-600 text-white'
              : 'bg-white text-slate-800 hover:bg-slate-100 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700',
          )}
        >
          {r === '1h' ? '1 h' : '24 h'}
        </button>
      ))}
    </div>
  );
  return (
    <ChartFigure
      title={`Throughput history, ${LABELS[range].toLowerCase()} (per ${per})`}
      summary={summary}
      actions={toggle}
      table={() => <ThroughputTable caption={`${LABELS[range]}: jobs per ${per}`} periodHeader="From" points={h?.points ?? []} format={minuteClock} />}
    >
      {h && (
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={h.points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false} barCategoryGap={1}>
            <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />
            <XAxis dataKey="t" tickFormatter={minuteClock} {...AXIS} minTickGap={40} />
            <YAxis allowDecimals={false} {...AXIS} width={48} />
            <Tooltip content={<ChartTooltip format={minuteClock} />} isAnimationActive={false} cursor={{ fill: 'currentColor', fillOpacity: 0.08 }} />
            <Bar dataKey="completed" name="Completed" stackId="1" fill={CHART_COLORS.completed} isAnimationActive={false} />
            <Bar dataKey="failed" name="Failed" stackId="1" fill={CHART_COLORS.failed} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </ChartFigure>
  );
}
