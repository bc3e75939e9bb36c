import type { HeldDTO } from '@/lib/data/held-schemas';
import { Time } from '../ui/Time';

/** Why the job waits for its task's limits, and when it may run (or looks again). */
export function JobHeld({ held }: { held: HeldDTO }) {
  return (
    <section
      aria-label="Held back by a limit"
      className="rounded-lg border border-orange-300 bg-orange-50 p-3 text-sm text-orange-950 dark:border-orange-800 dark:bg-orange-950 dark:text-orange-100"
    >
      <p className="font-semibold">Held back: {held.label}</p>
      <p>
        {held.reason === 'rate' ? 'May run at ' : 'Looks again at '}
        <Time ms={held.until} />
        {held.since !== null && (
          <>
            {' · held since '}
            <Time ms={held.since} />
          </>
        )}
        {held.holds !== null && held.holds > 1 && ` · ${held.holds} times in a row`}
      </p>
      <p className="mt-1 text-xs">It waits without using an attempt; the worker runs it once the limit allows.</p>
    </section>
  );
}
