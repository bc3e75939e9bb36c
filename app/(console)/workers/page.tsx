import Link from 'next/link';
import { load } from '@/lib/data/load';
import { listWorkerDtos } from '@/lib/data/worker-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Table, Th, Td } from '@/components/ui/Table';
import { Time } from '@/components/ui/Time';
import { formatDuration } from '@/components/ui/format';
import { AutoRefresh } from '@/components/ui/AutoRefresh';
import { seg } from '@/components/api';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Workers' };

export default async function WorkersPage() {
  const res = await load(listWorkerDtos);
  const now = Date.now();
  return (
    <>
      <PageHeader title="Workers" description="Worker processes, from the heartbeats they write to Redis every few seconds." />
      <AutoRefresh ms={5000} />
      {!res.ok ? (
        <Unavailable />
      ) : (
        <div className="space-y-6">
          {res.data.alive.length === 0 ? (
            <Notice title="No live workers">Start one with <code>npm run worker</code>; it appears here within seconds.</Notice>
          ) : (
            <Table caption="Live workers">
              <thead>
                <tr>
                  <Th>Worker</Th>
                  <Th>Host</Th>
                  <Th numeric>PID</Th>
                  <Th>Queues</Th>
                  <Th numeric>Concurrency</Th>
                  <Th>Running jobs</Th>
                  <Th numeric>Processed</Th>
                  <Th numeric>Failed</Th>
                  <Th>Up for</Th>
                  <Th>Last heartbeat</Th>
                  <Th>Version</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {res.data.alive.map((w) => (
                  <tr key={w.id}>
                    <Td className="font-mono text-xs">
                      {w.id}
                      {w.state === 'stopping' && <span className="ml-2 text-amber-700 dark:text-amber-300">(stopping)</span>}
                    </Td>
                    <Td>{w.host}</Td>
                    <Td numeric>{w.pid}</Td>
                    <Td>{w.queues.join(', ')}</Td>
                    <Td numeric>{w.concurrency}</Td>
                    <Td>
                      {w.running.length === 0
                        ? 'idle'
                        : w.running.map((r) => (
                            <Link key={`${r.queue}/${r.jobId}`} href={`/queues/${seg(r.queue)}/jobs/${seg(r.jobId)}`} className="mr-2 underline">
                              {r.task} #{r.jobId}
                            </Link>
                          ))}
                    </Td>
                    <Td numeric>{w.processed}</Td>
                    <Td numeric>{w.failed}</Td>
                    <Td>{formatDuration(now - w.startedAt)}</Td>
                    <Td><Time ms={w.lastSeen} /></Td>
                    <Td>{w.version}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          {res.data.lost.length > 0 && (
            <Table caption="Lost workers (heartbeat expired without a clean shutdown)" showCaption>
              <thead>
                <tr>
                  <Th>Worker</Th>
                  <Th>Last heartbeat</Th>
                </tr>
              </thead>
              <tbody>
                {res.data.lost.map((w) => (
                  <tr key={w.id}>
                    <Td className="font-mono text-xs">{w.id}</Td>
                    <Td><Time ms={w.lastSeen} /></Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </div>
      )}
    </>
  );
}
