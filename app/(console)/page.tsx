import Link from 'next/link';
import { load } from '@/lib/data/load';
import { listQueueSummaries } from '@/lib/data/queue-dto';
import { getDashboardSnapshot } from '@/lib/data/dashboard-snapshot';
import { readThroughputHistory } from '@/lib/data/dashboard-history';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { LiveDashboard } from '@/components/dashboard/LiveDashboard';
import { IfCanWrite } from '@/components/auth/IfCanWrite';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  const res = await load(async () => {
    const [queues, snapshot] = await Promise.all([listQueueSummaries(), getDashboardSnapshot()]);
    const names = queues.map((q) => q.name);
    // History is a nice-to-have: the page still shows everything live without it.
    const [h1, h24] = await Promise.all([readThroughputHistory(names, '1h').catch(() => null), readThroughputHistory(names, '24h').catch(() => null)]);
    return { queues, snapshot, history: { '1h': h1, '24h': h24 } };
  });
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          <>
            Live over all queues ·{' '}
            <Link href="/workers" className="underline">
              see workers
            </Link>{' '}
            ·{' '}
            <Link href="/tasks" className="underline">
              <IfCanWrite fallback="see tasks">run a task</IfCanWrite>
            </Link>
          </>
        }
      />
      {res.ok ? <LiveDashboard initial={res.data.queues} snapshot={res.data.snapshot} history={res.data.history} /> : <Unavailable />}
    </>
  );
}
