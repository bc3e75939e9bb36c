import Link from 'next/link';
import { load } from '@/lib/data/load';
import { listQueueSummaries } from '@/lib/data/queue-dto';
import { listWorkerDtos } from '@/lib/data/worker-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { LiveDashboard } from '@/components/dashboard/LiveDashboard';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  const res = await load(async () => {
    const [queues, workers] = await Promise.all([listQueueSummaries(), listWorkerDtos()]);
    return { queues, workers };
  });
  if (!res.ok) {
    return (
      <>
        <PageHeader title="Dashboard" />
        <Unavailable />
      </>
    );
  }
  const { queues, workers } = res.data;
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          <>
            {workers.alive.length} live {workers.alive.length === 1 ? 'worker' : 'workers'} ·{' '}
            <Link href="/workers" className="underline">
              see workers
            </Link>{' '}
            ·{' '}
            <Link href="/tasks" className="underline">
              run a task
            </Link>
          </>
        }
      />
      <LiveDashboard initial={queues} />
    </>
  );
}
