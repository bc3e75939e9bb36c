import { getQueue, discoverQueues, requireQueue } from '../queue/queue-registry';

import { JOB_STATES, type QueueCounts } from './queue-states';

export { JOB_STATES, type JobStateName, type QueueCounts } from './queue-states';

export interface QueueSummaryDTO {
  name: string;
  counts: QueueCounts;
  paused: boolean;
}

/** Job counts per state for one queue (one Lua call). */
export async function getQueueCounts(name: string): Promise<QueueCounts> {
  const raw = await getQueue(name).getJobCounts(...JOB_STATES);
  const out = {} as QueueCounts;
  for (const s of JOB_STATES) out[s] = raw[s] ?? 0;
  return out;
}

async function summary(name: string): Promise<QueueSummaryDTO> {
  const q = getQueue(name);
  const [counts, paused] = await Promise.all([getQueueCounts(name), q.isPaused()]);
  return { name, counts, paused };
}

/** Every queue under the prefix with its counts. */
export async function listQueueSummaries(): Promise<QueueSummaryDTO[]> {
  const names = await discoverQueues();
  return Promise.all(names.map(summary));
}

/** One queue's summary; NotFoundError when it does not exist. */
export async function getQueueSummary(name: string): Promise<QueueSummaryDTO> {
  await requireQueue(name);
  return summary(name);
}
