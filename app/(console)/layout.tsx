import Link from 'next/link';
import { LiveProvider } from '@/components/live/LiveProvider';
import { ConnectionIndicator } from '@/components/live/ConnectionIndicator';
import { NavLinks } from '@/components/shell/NavLinks';

export default function ConsoleLayout({ children }: { children: React.ReactNode }) {
  return (
    <LiveProvider>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-4 px-4 py-3">
          <Link href="/" className="text-lg font-bold tracking-tight">
            <span aria-hidden="true">⚡ </span>Celerity
          </Link>
          <nav aria-label="Main">
            <NavLinks />
          </nav>
          <ConnectionIndicator />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </LiveProvider>
  );
}
