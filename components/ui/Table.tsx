import { cn } from './cn';

/** A table with a caption (visually hidden unless `showCaption`) and real header cells. */
export function Table({
  caption,
  children,
  className,
  showCaption = false,
}: {
  caption: string;
  children: React.ReactNode;
  className?: string;
  showCaption?: boolean;
}) {
  return (
    <div className={cn('overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900', className)}>
      <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
        <caption className={showCaption ? 'p-2 text-left text-sm text-slate-500 dark:text-slate-400' : 'sr-only'}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function Th({ children, className, numeric }: { children?: React.ReactNode; className?: string; numeric?: boolean }) {
  return (
    <th
      scope="col"
      className={cn(
        'px-3 py-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400',
        numeric ? 'text-right' : 'text-left',
        className,
      )}
    >
      {children}
    </th>
  );
}

export function Td({ children, className, numeric }: { children?: React.ReactNode; className?: string; numeric?: boolean }) {
  return <td className={cn('px-3 py-2 align-top', numeric && 'text-right tabular-nums', className)}>{children}</td>;
}
