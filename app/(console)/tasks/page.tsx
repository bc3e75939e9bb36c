import Link from 'next/link';
import { load } from '@/lib/data/load';
import { listTaskDtos } from '@/lib/data/task-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Table, Th, Td } from '@/components/ui/Table';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { ButtonLink } from '@/components/ui/Button';
import { IfCanWrite } from '@/components/auth/IfCanWrite';
import { seg } from '@/components/api';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Tasks' };

export default async function TasksPage() {
  const res = await load(listTaskDtos);
  return (
    <>
      <PageHeader title="Tasks" description="What the workers can run, as they published it to Redis. Run any task from its form." />
      {!res.ok ? (
        <Unavailable />
      ) : res.data.length === 0 ? (
        <Notice title="No tasks yet">
          Tasks appear here when a worker starts. Start one with <code>npm run worker</code> (or <code>npm start</code>).
        </Notice>
      ) : (
        <Table caption="Tasks">
          <thead>
            <tr>
              <Th>Task</Th>
              <Th>Description</Th>
              <Th>Queue</Th>
              <Th numeric>Live workers</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {res.data.map((t) => (
              <tr key={t.name}>
                <Td>
                  <Link href={`/tasks/${seg(t.name)}`} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                    {t.name}
                  </Link>
                </Td>
                <Td className="text-slate-600 dark:text-slate-300">{t.description}</Td>
                <Td>
                  <Link href={`/queues/${seg(t.queue)}`} className="hover:underline">
                    {t.queue}
                  </Link>
                </Td>
                <Td numeric>{t.workers}</Td>
                <Td>
                  {/* Viewers cannot run tasks: the name links to the task's page. */}
                  <IfCanWrite>
                    <ButtonLink href={`/tasks/${seg(t.name)}`} variant="secondary" aria-label={`Run ${t.name}`}>
                      Run
                    </ButtonLink>
                  </IfCanWrite>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
