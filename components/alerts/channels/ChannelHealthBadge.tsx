import type { ChannelHealth } from '@/lib/alerts/channel-store';
import { cn } from '../../ui/cn';
import { Time } from '../../ui/Time';

/** A channel's last outcome in words: OK, failing (since when), or not used yet. */
export function ChannelHealthBadge({ health }: { health: ChannelHealth | null }) {
  if (!health) return <span className="text-slate-600 dark:text-slate-400">Not used yet</span>;
  const failing = health.status === 'failing';
  return (
    <span className="space-y-0.5">
      <span
        className={cn(
          'inline-flex rounded-full px-2 py-0.5 text-xs font-medium',
          failing
            ? 'bg-rose-100 text-rose-800 dark:bg-rose-900 dark:text-rose-100'
            : 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100',
        )}
      >
        {failing ? 'Failing' : 'OK'}
      </span>
      {failing && health.failingSince && (
        <span className="block text-xs text-slate-600 dark:text-slate-400">
          since <Time ms={health.failingSince} />
        </span>
      )}
    </span>
  );
}
