import type { Delivery } from '@/lib/alerts/deliveries';
import { Table, Td, Th } from '../../ui/Table';
import { Time } from '../../ui/Time';
import { StateBadge } from '../../ui/StateBadge';

/** A channel's recent deliveries, newest first: what was sent, whether it arrived, after how many attempts, and why not. */
export function DeliveriesTable({ channel, deliveries }: { channel: string; deliveries: Delivery[] }) {
  return (
    <section aria-labelledby={`deliveries-${channel}`} className="space-y-2">
      <h2 id={`deliveries-${channel}`} className="text-base font-semibold">
        Recent deliveries: {channel}
      </h2>
      {deliveries.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No notification sent through {channel} yet (tests are not listed here).</p>
      ) : (
        <Table caption={`Recent deliveries through ${channel}`}>
          <thead>
            <tr>
              <Th>Time</Th>
              <Th>Event</Th>
              <Th>Rule</Th>
              <Th>Status</Th>
              <Th numeric>Attempts</Th>
              <Th>Last error</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {deliveries.map((d) => (
              <tr key={d.id}>
                <Td className="whitespace-nowrap">
                  <Time ms={d.createdAt} />
                </Td>
                <Td>{d.event}</Td>
                <Td>{d.rule ?? '—'}</Td>
                <Td>
                  <StateBadge state={d.status} />
                </Td>
                <Td numeric>{d.attempts}</Td>
                <Td className="text-rose-700 dark:text-rose-300">{d.lastError ?? ''}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}
