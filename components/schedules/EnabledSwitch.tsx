'use client';
import { cn } from '../ui/cn';
import { useCanWrite } from '../auth/SessionProvider';

/**
 * An on/off switch named "Enabled: <schedule>"; the caller does the PATCH.
 * Viewers get the state as text: no control they cannot use (the server would refuse with 403 anyway).
 */
export function EnabledSwitch({ name, enabled, busy, onToggle }: { name: string; enabled: boolean; busy?: boolean; onToggle: (next: boolean) => void }) {
  const canWrite = useCanWrite();
  if (!canWrite) return <span className="text-xs text-slate-600 dark:text-slate-400">{enabled ? 'On' : 'Off'}</span>;
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        role="switch"
        aria-checked={enabled}
        aria-label={`Enabled: ${name}`}
        aria-busy={busy || undefined}
        disabled={busy}
        onClick={() => onToggle(!enabled)}
        className={cn(
          'relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60',
          enabled ? 'bg-indigo-600' : 'bg-slate-300 dark:bg-slate-600',
        )}
      >
        <span className={cn('inline-block h-4 w-4 rounded-full bg-white shadow transition', enabled ? 'translate-x-4.5' : 'translate-x-0.5')} />
      </button>
      <span aria-hidden="true" className="text-xs text-slate-600 dark:text-slate-400">
        {enabled ? 'On' : 'Off'}
      </span>
    </span>
  );
}
