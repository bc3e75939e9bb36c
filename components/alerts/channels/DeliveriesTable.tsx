import type { Delivery } from '@/lib/alerts/deliveries';
import { Table, Td, Th } from '../../ui/Table';
import { Time } from '../../ui/Time';
import { cn } from '../../ui/cn';

const STATUS_WORDS: Record<Delivery['status'], string> = { pending: 'Pending (retrying)', delivered: 'Delivered', failed: 'Failed' };
const TONES: Record<Delivery['status'], string> = {
  pending: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-200',
  delivered: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  failed: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-200',
};

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
                  <span className={cn('inline-block rounded-full px-2 py-0.5 text-xs font-semibold', TONES[d.status])}>{STATUS_WORDS[d.status]}</span>
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
