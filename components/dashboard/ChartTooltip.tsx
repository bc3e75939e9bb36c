'use client';

interface Entry {
  name?: string | number;
  value?: unknown;
  color?: string;
}

/** A chart tooltip in the console's own colours (light and dark); recharts fills in `active`, `payload` and `label`. */
export function ChartTooltip({
  active,
  payload,
  label,
  format,
}: {
  active?: boolean;
  payload?: readonly Entry[];
  label?: unknown;
  format: (t: number) => string;
}) {
  if (!active || !payload?.length) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md dark:border-slate-700 dark:bg-slate-800">
      <p className="mb-1 font-medium text-slate-700 dark:text-slate-200">{format(Number(label))}</p>
      {payload.map((e) => (
        <p key={String(e.name)} className="tabular-nums" style={{ color: e.color }}>
          {e.name}: {String(e.value)}
        </p>
      ))}
    </div>
  );
}
