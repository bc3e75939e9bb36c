import Link from 'next/link';
import { getRedis } from '@/lib/redis';
import { load } from '@/lib/data/load';
import { readAudit } from '@/lib/auth/audit-log';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { AuditTable } from '@/components/auth/AuditTable';
import { requireAccess } from '@/app/_auth/require-access';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Audit log' };

const PAGE_SIZE = 50;
/** Refused attempts are mostly noise (a viewer's forged request, a script with a read token): a shorter page. */
const REFUSED_PAGE_SIZE = 20;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const linkClass = 'text-indigo-700 hover:underline dark:text-indigo-300';

/** `/audit` with both cursors (each list pages on its own; a link moves one and keeps the other). */
function auditHref(cursors: { before?: string; refusedBefore?: string }): string {
  const q = new URLSearchParams();
  if (cursors.before) q.set('before', cursors.before);
  if (cursors.refusedBefore) q.set('refusedBefore', cursors.refusedBefore);
  const s = q.toString();
  return s ? `/audit?${s}` : '/audit';
}

export default async function AuditPage({ searchParams }: Props) {
  const access = await requireAccess('admin');
  if (!access.allowed) {
    return (
      <>
        <PageHeader title="Audit log" />
        {access.refusal}
      </>
    );
  }
  const sp = await searchParams;
  const before = typeof sp.before === 'string' ? sp.before : undefined;
  const refusedBefore = typeof sp.refusedBefore === 'string' ? sp.refusedBefore : undefined;
  const res = access.unavailable
    ? null
    : await load(() =>
        Promise.all([
          readAudit(getRedis(), { before, limit: PAGE_SIZE }),
          readAudit(getRedis(), { before: refusedBefore, limit: REFUSED_PAGE_SIZE, log: 'refused' }),
        ]),
      );
  if (!res?.ok) {
    return (
      <>
        <PageHeader title="Audit log" />
        <Unavailable />
      </>
    );
  }
  const [actions, refused] = res.data;
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every request that changed something or tried to, by someone allowed to make it: who, what, on what, from where, and how it ended. Newest first."
      />
      <div className="space-y-4">
        {actions.entries.length === 0 ? (
          <Notice title={before ? 'No older entries' : 'Nothing yet'}>
            {before ? <Link href={auditHref({ refusedBefore })}>Back to the newest</Link> : 'Actions appear here as they happen.'}
          </Notice>
        ) : (
          <AuditTable caption="Audit log" entries={actions.entries} />
        )}
        <nav aria-label="Audit pages" className="flex gap-4 text-sm">
          {before && (
            <Link href={auditHref({ refusedBefore })} className={linkClass}>
              Newest
            </Link>
          )}
          {actions.next && (
            <Link href={auditHref({ before: actions.next, refusedBefore })} className={linkClass}>
              Older entries
            </Link>
          )}
        </nav>
      </div>

      <section aria-labelledby="refused-heading" className="mt-10 space-y-4">
        <div>
          <h2 id="refused-heading" className="text-lg font-semibold">
            Refused attempts
          </h2>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Changes refused before anything ran (403): a viewer or a read-only token trying to write, a cross-site request. Kept apart, in a log capped alike,
            so that a caller who may change nothing cannot push the real actions above out of theirs. Newest first.
          </p>
        </div>
        {refused.entries.length === 0 ? (
          <Notice title={refusedBefore ? 'No older refused attempts' : 'No refused attempts'}>
            {refusedBefore ? <Link href={auditHref({ before })}>Back to the newest</Link> : 'Nobody has tried a change they may not make.'}
          </Notice>
        ) : (
          <AuditTable caption="Refused attempts" entries={refused.entries} />
        )}
        <nav aria-label="Refused attempts pages" className="flex gap-4 text-sm">
          {refusedBefore && (
            <Link href={auditHref({ before })} className={linkClass}>
              Newest refused attempts
            </Link>
          )}
          {refused.next && (
            <Link href={auditHref({ before, refusedBefore: refused.next })} className={linkClass}>
              Older refused attempts
            </Link>
          )}
        </nav>
      </section>
    </>
  );
}
