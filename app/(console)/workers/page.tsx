import { load } from '@/lib/data/load';
import { listWorkerDtos } from '@/lib/data/worker-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { WorkersView } from '@/components/workers/WorkersView';
import { IfCanWrite } from '@/components/auth/IfCanWrite';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Workers' };

export default async function WorkersPage() {
  const res = await load(listWorkerDtos);
  return (
    <>
      <PageHeader
        title="Workers"
        description={
          <>
            Worker processes, live from the heartbeats they write to Redis.
            <IfCanWrite> Pause, resume, resize or shut one down from here.</IfCanWrite>
          </>
        }
      />
      {res.ok ? <WorkersView initial={res.data} /> : <Unavailable />}
    </>
  );
}
