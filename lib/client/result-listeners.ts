import { bullKey } from '../keys';
import { createRedis, redisUrl } from '../redis';
import { getQueue } from '../queue/queue-registry';
import { ResultListener, type ReadMark } from './result-listener';

/**
 * The process's result listeners, one per queue, shared by every client and
 * every waiter of the process (so one blocking connection per queue waited
 * on, whatever the number of waiters). On globalThis like the queues, so hot
 * reload reuses them.
 */
type Holder = { __celerityResultListeners?: Map<string, ResultListener> };
const holder = globalThis as unknown as Holder;

/** The listener of a queue (created, and connected, by its first waiter). */
export function resultListener(queue: string): ResultListener {
  holder.__celerityResultListeners ??= new Map();
  let listener = holder.__celerityResultListeners.get(queue);
  if (!listener) {
    listener = new ResultListener({ queue: getQueue(queue), streamKey: bullKey(queue, 'events'), connection: listenerConnection(queue) });
    holder.__celerityResultListeners.set(queue, listener);
  }
  return listener;
}

/**
 * Where the queue's listener stands, if it is reading (see ResultListener.mark): taken
 * just before a job is added. Creates nothing: a process that never waits opens no listener.
 */
export function resultMark(queue: string): ReadMark | undefined {
  return holder.__celerityResultListeners?.get(queue)?.mark();
}

/** The listener's own blocking connection, named so CLIENT LIST tells what it is for (on a Cluster, each node connection). */
function listenerConnection(queue: string) {
  return createRedis('blocking', redisUrl(), { connectionName: `celerity:results:${queue}` });
}

/** Close every listener (client close, process shutdown, tests). */
export function closeResultListeners(): void {
  const listeners = holder.__celerityResultListeners;
  holder.__celerityResultListeners = undefined;
  for (const l of listeners?.values() ?? []) l.close();
}
