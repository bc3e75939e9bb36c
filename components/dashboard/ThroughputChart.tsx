'use client';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ThroughputPoint } from '@/lib/events/contract';
import { AXIS, ChartFigure, CHART_COLORS } from './ChartFigure';
import { ThroughputTable } from './ThroughputTable';
import { ChartTooltip } from './ChartTooltip';
import { formatRate, percent } from './figures';

const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Sums and the busiest second of a per-second series. */
export function summarize(points: readonly ThroughputPoint[]) {
  let completed = 0;
  let failed = 0;
  let peak = 0;
  for (const p of points) {
    completed += p.completed;
    failed += p.failed;
    peak = Math.max(peak, p.completed + p.failed);
  }
  return { completed, failed, peak };
}

/**
 * Completed and failed jobs per second over the last minutes, moving with the
 * clock; seconds the console did not send had none.
 */
export function ThroughputChart({ series, windowMs, now, available }: { series: ThroughputPoint[]; windowMs: number; now: number; available: boolean }) {
  const end = Math.floor(now / 1000) * 1000;
  const start = end - windowMs;
  const inWindow = series.filter((p) => p.t >= start && p.t < end + 1000);
  const byT = new Map(inWindow.map((p) => [p.t, p]));
  const data: ThroughputPoint[] = [];
  for (let t = start; t < end; t += 1000) data.push(byT.get(t) ?? { t, completed: 0, failed: 0 });
  const { completed, failed, peak } = summarize(inWindow);
  const minutes = Math.round(windowMs / 60_000);
  const summary = !available
    ? 'Live throughput is not available: this console runs no event relay.'
    : `Last ${minutes} minutes: ${completed} completed, ${failed} failed (failure rate ${percent(failed, completed + failed)}); ` +
      `average ${formatRate((completed + failed) / (windowMs / 1000))}, busiest second ${peak} jobs.`;
  return (
    <ChartFigure
      title={`Throughput, last ${minutes} minutes (per second)`}
      summary={summary}
      table={() => (
        <ThroughputTable caption={`Seconds with completed or failed jobs, last ${minutes} minutes`} periodHeader="Second" points={inWindow} format={clock} />
      )}
    >
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} />
          <XAxis dataKey="t" type="number" domain={[start, end - 1000]} tickFormatter={clock} {...AXIS} minTickGap={40} />
          <YAxis allowDecimals={false} {...AXIS} width={40} />
          <Tooltip content={<ChartTooltip format={clock} />} isAnimationActive={false} />
          <Area
            type="stepAfter"
            dataKey="completed"
            name="Completed"
            stackId="1"
            stroke={CHART_COLORS.completed}
            fill={CHART_COLORS.completed}
            fillOpacity={0.35}
            isAnimationActive={false}
          />
          <Area
            type="stepAfter"
            dataKey="failed"
            name="Failed"
            stackId="1"
            stroke={CHART_COLORS.failed}
            fill={CHART_COLORS.failed}
            fillOpacity={0.45}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
