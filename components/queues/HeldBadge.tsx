import type { HeldDTO } from '@/lib/data/held-schemas';
import { ClockTime } from './ClockTime';

/** A held job's reason and time, in a row of the queue page: "Held: rate limit 5/s — may run at 10:42:03". */
export function HeldBadge({ held }: { held: HeldDTO }) {
  return (
    <span className="inline-block rounded-full bg-orange-100 px-2 py-0.5 text-xs font-semibold text-orange-900 dark:bg-orange-900/50 dark:text-orange-100">
      Held: {held.label} — {held.reason === 'rate' ? 'may run at' : 'looks again at'} <ClockTime ms={held.until} />
    </span>
  );
}
