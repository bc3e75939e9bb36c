import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getTaskDto } from '@/lib/data/task-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { JsonBlock } from '@/components/ui/JsonBlock';
import { RunTaskForm } from '@/components/tasks/RunTaskForm';
import { seg } from '@/components/api';
import { allows } from '@/lib/auth/principal';
import { currentPrincipal } from '@/app/_auth/current-principal';
import { deadLetterQueue } from '@/lib/queue/dead-letter';
import { ReplayDeadLetters } from '@/components/tasks/ReplayDeadLetters';
import { getTaskControls } from '@/lib/limits/task-controls';
import { TaskControls } from '@/components/tasks/TaskControls';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Task ${(await params).name}` };
}

export default async function TaskPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  const res = await load(() => getTaskDto(name));
  if (!res.ok && res.reason === 'not_found') notFound();
  if (!res.ok) return <Unavailable />;
  const task = res.data;
  const controls = await load(() => getTaskControls(name));
  // A viewer gets the read-only note instead of the form (RunTaskForm), so the title must not promise a run.
  const { principal } = await currentPrincipal();
  const canRun = principal !== null && allows(principal, 'write');
  return (
    <>
      <PageHeader title={canRun ? `Run ${task.name}` : `Task ${task.name}`} description={task.description}>
        <Link href="/tasks" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          All tasks
        </Link>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <div className="space-y-6">
          <Card>
            {task.workers === 0 && (
              <div className="mb-4">
                <Notice title="No live worker runs this task">Jobs will wait in queue “{task.queue}” until a worker for it starts.</Notice>
              </div>
            )}
            <RunTaskForm task={task} />
          </Card>
          {/* Every control in force with its source; an admin changes the live ones here (lib/api/task-controls.ts). */}
          <Card title="Controls">{controls.ok ? <TaskControls initial={controls.data} /> : <Unavailable />}</Card>
        </div>
        <div className="space-y-4">
          <Card title="About">
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-slate-500 dark:text-slate-400">Queue</dt>
              <dd>
                <Link href={`/queues/${seg(task.queue)}`} className="hover:underline">
                  {task.queue}
                </Link>
              </dd>
              <dt className="text-slate-500 dark:text-slate-400">Live workers</dt>
              <dd>{task.workers}</dd>
            </dl>
            {task.timing?.deadLetter && (
              <>
                <p className="mt-3 text-sm">
                  Dead letters wait in queue{' '}
                  <Link href={`/queues/${seg(deadLetterQueue(task.name))}`} className="hover:underline">
                    {deadLetterQueue(task.name)}
                  </Link>
                </p>
                <ReplayDeadLetters task={task.name} />
              </>
            )}
          </Card>
          <Card title="Arguments schema">
            <JsonBlock value={task.argsSchema} label="Arguments JSON Schema" />
          </Card>
        </div>
      </div>
    </>
  );
}
