import { cn } from './cn';

/** A block message: info, or an error / outage (`role="alert"`). */
export function Notice({ tone = 'info', title, children }: { tone?: 'info' | 'error'; title: string; children?: React.ReactNode }) {
  return (
    <div
      role={tone === 'error' ? 'alert' : 'note'}
      className={cn(
        'rounded-lg border p-4 text-sm',
        tone === 'error'
          ? 'border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100'
          : 'border-slate-200 bg-white text-slate-700 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-300',
      )}
    >
      <p className="font-semibold">{title}</p>
      {children && <div className="mt-1">{children}</div>}
    </div>
  );
}
