'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '../ui/cn';
import { useSession } from '../auth/SessionProvider';

const links = [
  { href: '/', label: 'Dashboard' },
  { href: '/tasks', label: 'Tasks' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/queues', label: 'Queues' },
  { href: '/results', label: 'Results' },
  { href: '/workflows', label: 'Workflows' },
  { href: '/workers', label: 'Workers' },
  { href: '/alerts', label: 'Alerts' },
];

/** Pages only admins see (the server refuses everyone else too). */
const adminLinks = [
  { href: '/settings/tokens', label: 'Tokens' },
  { href: '/audit', label: 'Audit' },
];

export function NavLinks() {
  const path = usePathname();
  const { isAdmin } = useSession();
  return (
    <ul className="flex flex-wrap gap-1">
      {[...links, ...(isAdmin ? adminLinks : [])].map((l) => {
        const current = l.href === '/' ? path === '/' : path === l.href || path.startsWith(l.href + '/');
        return (
          <li key={l.href}>
            <Link
              href={l.href}
              aria-current={current ? 'page' : undefined}
              className={cn(
                'block rounded-md px-3 py-1.5 text-sm font-medium',
                current ? 'bg-indigo-600 text-white' : 'text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800',
              )}
            >
              {l.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
