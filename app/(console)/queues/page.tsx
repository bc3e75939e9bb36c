import { load } from '@/lib/data/load';
import { listQueueSummaries } from '@/lib/data/queue-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { LiveQueues } from '@/components/queues/LiveQueues';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Queues' };

export default async function QueuesPage() {
  const res = await load(listQueueSummaries);
  return (
    <>
      <PageHeader title="Queues" description="Every BullMQ queue under this prefix, including ones Celerity did not create. Counts update live." />
      {res.ok ? <LiveQueues initial={res.data} /> : <Unavailable />}
    </>
  );
}
