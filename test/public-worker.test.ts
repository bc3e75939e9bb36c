import { describe, expect, it } from 'vitest';
import { createClient, createRegistry, defineSchedule, defineTask, InvalidError, z } from 'celerity';
import { startWorker } from 'celerity/worker';
import { readDefinition } from '@/lib/scheduler/schedule-store';
import { celerityKeys } from '@/lib/keys';
import { queueStack } from './fixtures/queue-stack';
import { uniqueName } from './helpers';

/**
 * The package's entry points as an application embedding Celerity uses them:
 * tasks and a client from `celerity`, a worker in its own process from
 * `celerity/worker` (what `celerity worker` runs in a process of its own).
 */
const stack = queueStack();
const { redis } = stack;

function tasksOnOwnQueue() {
  const queue = uniqueName('embedded');
  // A literal name (the queue is this test's own): the client's types know it.
  const double = defineTask({ name: 'double', description: 'Doubles.', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n * 2 });
  return { queue, double, registry: createRegistry([double]) };
}

describe('celerity/worker startWorker', () => {
  it('runs the tasks of a registry in this process, with its code schedules, and stop() leaves nothing behind', async () => {
    const { double, registry } = tasksOnOwnQueue();
    const schedule = defineSchedule({ name: uniqueName('every-hour'), task: double.name, args: { n: 1 }, cron: '0 * * * *' });
    const worker = await startWorker({ registry, schedules: [schedule], concurrency: 2, hostname: 'embedded-host', logLevel: 'error' });
    expect(worker.state()).toBe('running');
    expect((await readDefinition(redis, schedule.name))?.source).toBe('code');

    const client = createClient(registry);
    const job = await client.enqueue(double.name, { n: 21 });
    expect(await job.waitForResult(10_000)).toBe(42);
    await client.close();

    const report = await worker.stop();
    expect(report.clean).toBe(true);
    // Its heartbeat is gone: the console no longer lists it.
    expect(await redis.zscore(celerityKeys().workers, worker.id)).toBeNull();
  });

  it('refuses a bad code schedule before connecting: an InvalidError naming the schedule, no worker registered', async () => {
    const { double, registry } = tasksOnOwnQueue();
    const before = await redis.zcard(celerityKeys().workers);
    const bad = defineSchedule({ name: 'bad-cron', task: double.name, cron: '61 * * * *' });
    const err = await startWorker({ registry, schedules: [bad], logLevel: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as Error).message).toMatch(/^schedule "bad-cron": /);
    const unknownTask = defineSchedule({ name: 'no-such-task', task: 'nope', every: 5 });
    await expect(startWorker({ registry, schedules: [unknownTask], logLevel: 'error' })).rejects.toThrow('schedule "no-such-task": no task "nope"');
    expect(await redis.zcard(celerityKeys().workers)).toBe(before);
  });

  it('a client is typed by its registry: unknown tasks and wrong arguments do not compile', () => {
    const { registry } = tasksOnOwnQueue();
    const client = createClient(registry);
    // Never called: these lines are checked by the type-check (npm run typecheck), not run.
    const typeChecks = () => {
      // @ts-expect-error an unknown task
      void client.enqueue('unknown-task', { n: 1 });
      // @ts-expect-error n must be a number
      void client.enqueue('double', { n: 'x' });
      // @ts-expect-error n is required
      void client.enqueue('double', {});
      void client.enqueue('double', { n: 2 });
    };
    expect(typeChecks).toBeTypeOf('function');
  });
});
