import Link from 'next/link';
import { redirect } from 'next/navigation';
import { LiveProvider } from '@/components/live/LiveProvider';
import { ConnectionIndicator } from '@/components/live/ConnectionIndicator';
import { NavLinks } from '@/components/shell/NavLinks';
import { SessionProvider } from '@/components/auth/SessionProvider';
import { UserMenu } from '@/components/auth/UserMenu';
import { OpenConsoleBanner } from '@/components/auth/OpenConsoleBanner';
import { env } from '@/lib/env';
import { authEnabled } from '@/lib/auth/users';
import { currentPrincipal, sessionView } from '@/app/_auth/current-principal';

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const { principal, unavailable } = await currentPrincipal();
  // server.ts already sent anyone without a session to /login; this holds if the pages are served some other way.
  if (!principal && !unavailable && authEnabled()) redirect('/login');
  const e = env();
  return (
    <SessionProvider session={sessionView(principal)}>
      <LiveProvider>
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
          Skip to content
        </a>
        {!authEnabled() && <OpenConsoleBanner host={e.HOST} insecure={e.CELERITY_INSECURE} />}
        <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-4 px-4 py-3">
            <Link href="/" className="text-lg font-bold tracking-tight">
              <span aria-hidden="true">⚡ </span>Celerity
            </Link>
            <nav aria-label="Main">
              <NavLinks />
            </nav>
            <div className="flex items-center gap-4">
              <ConnectionIndicator />
              <UserMenu />
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto max-w-7xl px-4 py-6">
          {children}
        </main>
      </LiveProvider>
    </SessionProvider>
  );
}
