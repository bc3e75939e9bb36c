import { getQueue, discoverQueues, requireQueue } from '../queue/queue-registry';
import { getRedis } from '../redis';
import { readOldestWaitingAt, readQueueCounts } from '../queue/queue-counts';
import { workerCounts } from '../queue/queue-workers';
import { readCatalogue } from '../registry/catalogue';
import { DEFAULT_TASK_RETENTION, type Retention } from '../queue/job-options';

import type { QueueCounts } from './queue-states';
import { getHeldSummary, type HeldSummaryDTO } from './held-summary';

export { JOB_STATES, type JobStateName, type QueueCounts } from './queue-states';

export interface QueueSummaryDTO {
  name: string;
  counts: QueueCounts;
  paused: boolean;
  /** Workers connected to the queue (Celerity's and plain BullMQ ones), a few seconds old at most. */
  workers: number;
  /** When the oldest waiting job was created (null: nothing waiting). Prioritized jobs are not counted. */
  oldestWaitingAt: number | null;
}

/** How long one task's finished jobs are kept, for the queue page. */
export interface TaskRetentionDTO {
  task: string;
  retention: Retention;
}

export interface QueueDetailDTO extends QueueSummaryDTO {
  /** Retention of the catalogue's tasks on this queue (empty for a queue no Celerity task uses). */
  retention: TaskRetentionDTO[];
  /** Jobs held back by their tasks' limits (rate, concurrency, paused task), by task and reason. */
  held: HeldSummaryDTO;
  /**
   * When its reads began (ms, the console's clock). A live page keeps the newest of this and its frames' `at`
   * (when the relay's reads ended): figures read before the last frame it showed must not replace it.
   */
  at: number;
}

/** Job counts per state for one queue (one Lua call); waiting includes a BullMQ 5 `paused` list. */
export async function getQueueCounts(name: string): Promise<QueueCounts> {
  return readQueueCounts(getRedis(), name);
}

async function summary(name: string, workers: Map<string, number>): Promise<QueueSummaryDTO> {
  const q = getQueue(name);
  const [counts, paused, oldest] = await Promise.all([getQueueCounts(name), q.isPaused(), readOldestWaitingAt(getRedis(), name)]);
  return { name, counts, paused, workers: workers.get(name) ?? 0, oldestWaitingAt: counts.waiting > 0 ? oldest : null };
}

/** Every queue under the prefix with its counts, workers and oldest waiting job. */
export async function listQueueSummaries(): Promise<QueueSummaryDTO[]> {
  const [names, workers] = await Promise.all([discoverQueues({ maxAgeMs: 'auto' }), workerCounts(getRedis())]);
  return Promise.all(names.map((n) => summary(n, workers)));
}

/** One queue's summary with the retention of the tasks that use it; NotFoundError when it does not exist. */
export async function getQueueDetail(name: string): Promise<QueueDetailDTO> {
  const at = Date.now();
  await requireQueue(name);
  const redis = getRedis();
  const [workers, catalogue, held] = await Promise.all([workerCounts(redis), readCatalogue(redis), getHeldSummary(name)]);
  const s = await summary(name, workers);
  const retention = catalogue.filter((e) => e.queue === name).map((e) => ({ task: e.name, retention: e.retention ?? DEFAULT_TASK_RETENTION }));
  return { ...s, retention, held, at };
}
