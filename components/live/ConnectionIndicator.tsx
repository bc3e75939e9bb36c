'use client';
import { useLive } from './LiveProvider';
import { cn } from '../ui/cn';

/** Live connection to the console, and the console's connection to Redis, in one status line. */
export function ConnectionIndicator() {
  const { connection, redis } = useLive();
  let text: string;
  let tone: 'ok' | 'warn' | 'bad';
  if (connection !== 'connected') {
    text = connection === 'connecting' ? 'Connecting…' : 'Reconnecting to console…';
    tone = 'warn';
  } else if (redis === 'down') {
    text = 'Redis unavailable';
    tone = 'bad';
  } else {
    text = 'Live';
    tone = 'ok';
  }
  return (
    <div role="status" aria-live="polite" aria-label="Connection" className="flex items-center gap-2 text-sm">
      <span
        aria-hidden="true"
        className={cn(
          'inline-block h-2.5 w-2.5 rounded-full',
          tone === 'ok' && 'bg-emerald-500',
          tone === 'warn' && 'animate-pulse bg-amber-500',
          tone === 'bad' && 'bg-rose-500',
        )}
      />
      <span>{text}</span>
    </div>
  );
}
