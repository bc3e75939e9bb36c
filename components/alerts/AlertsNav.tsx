'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '../ui/cn';

/** The Alerts section's parts; an incident's page belongs to Incidents. */
const parts = [
  { href: '/alerts', label: 'Incidents', owns: (p: string) => p === '/alerts' || p.startsWith('/alerts/incidents/') },
  { href: '/alerts/rules', label: 'Rules', owns: (p: string) => p === '/alerts/rules' || p.startsWith('/alerts/rules/') },
  { href: '/alerts/channels', label: 'Channels', owns: (p: string) => p === '/alerts/channels' || p.startsWith('/alerts/channels/') },
];

/** The sub-navigation of the Alerts section: Incidents | Rules | Channels, the current one marked for assistive tech too. */
export function AlertsNav() {
  const path = usePathname();
  return (
    <nav aria-label="Alerts" className="mb-6 border-b border-slate-200 dark:border-slate-800">
      <ul className="-mb-px flex gap-1">
        {parts.map((p) => {
          const current = p.owns(path);
          return (
            <li key={p.href}>
              <Link
                href={p.href}
                aria-current={current ? 'page' : undefined}
                className={cn(
                  'block border-b-2 px-3 py-2 text-sm font-medium',
                  current
                    ? 'border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300'
                    : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white',
                )}
              >
                {p.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
