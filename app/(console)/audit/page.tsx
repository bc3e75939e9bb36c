import Link from 'next/link';
import { getRedis } from '@/lib/redis';
import { load } from '@/lib/data/load';
import { allows } from '@/lib/auth/principal';
import { readAudit } from '@/lib/auth/audit-log';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Table, Td, Th } from '@/components/ui/Table';
import { Time } from '@/components/ui/Time';
import { AdminOnly } from '@/components/auth/AdminOnly';
import { currentPrincipal } from '@/app/_auth/current-principal';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Audit log' };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AuditPage({ searchParams }: Props) {
  const { principal, unavailable } = await currentPrincipal();
  if (!unavailable && !(principal && allows(principal, 'admin'))) {
    return (
      <>
        <PageHeader title="Audit log" />
        <AdminOnly />
      </>
    );
  }
  const sp = await searchParams;
  const before = typeof sp.before === 'string' ? sp.before : undefined;
  const res = unavailable ? null : await load(() => readAudit(getRedis(), { before, limit: PAGE_SIZE }));
  return (
    <>
      <PageHeader title="Audit log" description="Every request that changed something (or tried to): who, what, on what, from where, and how it ended. Newest first." />
      {!res?.ok ? (
        <Unavailable />
      ) : res.data.entries.length === 0 ? (
        <Notice title={before ? 'No older entries' : 'Nothing yet'}>{before ? <Link href="/audit">Back to the newest</Link> : 'Actions appear here as they happen.'}</Notice>
      ) : (
        <div className="space-y-4">
          <Table caption="Audit log">
            <thead>
              <tr>
                <Th>Time</Th>
                <Th>Who</Th>
                <Th>Action</Th>
                <Th>Target</Th>
                <Th>Result</Th>
                <Th>From</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {res.data.entries.map((e) => (
                <tr key={e.id}>
                  <Td className="whitespace-nowrap">
                    <Time ms={e.at} />
                  </Td>
                  <Td className="break-all">{e.actor}</Td>
                  <Td className="font-mono text-xs break-all">{e.action}</Td>
                  <Td className="break-all">{e.target}</Td>
                  <Td>
                    {e.status < 400 ? (
                      <span>{e.status}</span>
                    ) : (
                      <span className="text-rose-700 dark:text-rose-300">
                        {e.status}
                        {e.error ? `: ${e.error}` : ''}
                      </span>
                    )}
                  </Td>
                  <Td className="font-mono text-xs">{e.ip}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <nav aria-label="Audit pages" className="flex gap-4 text-sm">
            {before && (
              <Link href="/audit" className="text-indigo-700 hover:underline dark:text-indigo-300">
                Newest
              </Link>
            )}
            {res.data.next && (
              <Link href={`/audit?before=${encodeURIComponent(res.data.next)}`} className="text-indigo-700 hover:underline dark:text-indigo-300">
                Older entries
              </Link>
            )}
          </nav>
        </div>
      )}
    </>
  );
}
