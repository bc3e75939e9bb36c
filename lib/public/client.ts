import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import type { CelerityClient } from '../client/create-client';

/**
 * The typed client of the package entry, loaded on first use: BullMQ and
 * ioredis cost more to load than the rest of `celerity` together, and an
 * application that imports its tasks (for their types, or to define schedules)
 * may never enqueue. The first `enqueue` pays that once; the client itself is
 * lib/client/create-client.ts.
 */
export function createClient<T extends AnyTask>(registry: TaskRegistry<T>): CelerityClient<T> {
  let loaded: Promise<CelerityClient<T>> | undefined;
  const client = () => (loaded ??= import('../client/create-client').then((m) => m.createClient(registry)));
  return {
    enqueue: (async (...args: Parameters<CelerityClient<T>['enqueue']>) => (await client()).enqueue(...args)) as CelerityClient<T>['enqueue'],
    enqueueMany: (async (...args: Parameters<CelerityClient<T>['enqueueMany']>) => (await client()).enqueueMany(...args)) as CelerityClient<T>['enqueueMany'],
    startWorkflow: (async (...args: Parameters<CelerityClient<T>['startWorkflow']>) =>
      (await client()).startWorkflow(...args)) as CelerityClient<T>['startWorkflow'],
    runCanvas: (async (...args: Parameters<CelerityClient<T>['runCanvas']>) => (await client()).runCanvas(...args)) as CelerityClient<T>['runCanvas'],
    async close() {
      if (loaded) await (await loaded).close();
    },
  };
}
