import Link from 'next/link';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/LoginForm';
import { Notice } from '@/components/ui/Notice';
import { safeNextPath } from '@/lib/auth/next-path';
import { authEnabled } from '@/lib/auth/users';
import { currentPrincipal } from '@/app/_auth/current-principal';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function LoginPage({ searchParams }: Props) {
  const sp = await searchParams;
  const rawNext = typeof sp.next === 'string' ? sp.next : undefined;
  // Only a path on this site: never an open redirect.
  const next = safeNextPath(rawNext);
  // Only when a session really ended (the gate and the pages' 401 handling add it, lib/auth/next-path.ts
  // loginUrl); a first visit to a deep link also carries `next`, and must not be told its session ended.
  const expired = sp.reason === 'expired';
  const enabled = authEnabled();
  if (enabled) {
    const { principal } = await currentPrincipal();
    if (principal) redirect(next);
  }
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">
        <span aria-hidden="true">⚡ </span>Sign in to Celerity
      </h1>
      {enabled ? (
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
          <LoginForm next={next} expired={expired} />
        </div>
      ) : (
        <Notice title="No accounts are configured">
          The console is open on this machine without signing in.{' '}
          <Link href="/" className="underline">
            Go to the console
          </Link>
          .
        </Notice>
      )}
    </main>
  );
}
