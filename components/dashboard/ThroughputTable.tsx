import { Table, Td, Th } from '../ui/Table';

/** A chart's data as a table (the accessible alternative): completed and failed per period, newest first. */
export function ThroughputTable({
  caption,
  periodHeader,
  points,
  format,
}: {
  caption: string;
  /** Header of the time column ("Second", "From"). */
  periodHeader: string;
  /** Periods in time order; only those with jobs are listed. */
  points: readonly { t: number; completed: number; failed: number }[];
  format: (t: number) => string;
}) {
  const rows = points.filter((p) => p.completed + p.failed > 0).reverse();
  return (
    <Table caption={caption} className="max-h-64 overflow-y-auto">
      <thead>
        <tr>
          <Th>{periodHeader}</Th>
          <Th numeric>Completed</Th>
          <Th numeric>Failed</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {rows.length === 0 ? (
          <tr>
            <Td className="text-slate-500 dark:text-slate-400">None</Td>
            <Td numeric>0</Td>
            <Td numeric>0</Td>
          </tr>
        ) : (
          rows.map((p) => (
            <tr key={p.t}>
              <Td>
                <time dateTime={new Date(p.t).toISOString()}>{format(p.t)}</time>
              </Td>
              <Td numeric>{p.completed}</Td>
              <Td numeric>{p.failed}</Td>
            </tr>
          ))
        )}
      </tbody>
    </Table>
  );
}
