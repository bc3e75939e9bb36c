import { getQueue, discoverQueues, requireQueue } from '../queue/queue-registry';
import { getRedis } from '../redis';
import { env } from '../env';
import { luaScript } from '../queue/lua-script';
import { workerCounts } from '../queue/queue-workers';
import { readCatalogue } from '../registry/catalogue';
import { DEFAULT_TASK_RETENTION, type Retention } from '../queue/job-options';

import { JOB_STATES, type QueueCounts } from './queue-states';

export { JOB_STATES, type JobStateName, type QueueCounts } from './queue-states';

export interface QueueSummaryDTO {
  name: string;
  counts: QueueCounts;
  paused: boolean;
  /** Workers connected to the queue (Celerity's and plain BullMQ ones), a few seconds old at most. */
  workers: number;
  /** When the oldest job in the wait list was created (null: nothing waiting). Prioritized jobs are not counted. */
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
}

/** Job counts per state for one queue (one Lua call). */
export async function getQueueCounts(name: string): Promise<QueueCounts> {
  const raw = await getQueue(name).getJobCounts(...JOB_STATES);
  const out = {} as QueueCounts;
  for (const s of JOB_STATES) out[s] = raw[s] ?? 0;
  return out;
}

// The wait list is LPUSHed, so its oldest job is at the tail (a LIFO job would be at the head: rare, ignored).
const OLDEST_WAITING = luaScript(`
local id = redis.call('LINDEX', KEYS[1], -1)
if id and string.sub(id, 1, 2) == '0:' then id = redis.call('LINDEX', KEYS[1], -2) end
if not id then return false end
return redis.call('HGET', ARGV[1] .. id, 'timestamp')
`);

async function oldestWaitingAt(name: string): Promise<number | null> {
  const prefix = env().CELERITY_PREFIX;
  const ts = (await OLDEST_WAITING.run(getRedis(), [`${prefix}:${name}:wait`], [`${prefix}:${name}:`])) as string | null;
  const n = ts === null ? NaN : Number(ts);
  return Number.isFinite(n) ? n : null;
}

async function summary(name: string, workers: Map<string, number>): Promise<QueueSummaryDTO> {
  const q = getQueue(name);
  const [counts, paused, oldest] = await Promise.all([getQueueCounts(name), q.isPaused(), oldestWaitingAt(name)]);
  return { name, counts, paused, workers: workers.get(name) ?? 0, oldestWaitingAt: counts.waiting > 0 ? oldest : null };
}

/** Every queue under the prefix with its counts, workers and oldest waiting job. */
export async function listQueueSummaries(): Promise<QueueSummaryDTO[]> {
  const [names, workers] = await Promise.all([discoverQueues({ maxAgeMs: 'auto' }), workerCounts(getRedis())]);
  return Promise.all(names.map((n) => summary(n, workers)));
}

/** One queue's summary with the retention of the tasks that use it; NotFoundError when it does not exist. */
export async function getQueueDetail(name: string): Promise<QueueDetailDTO> {
  await requireQueue(name);
  const redis = getRedis();
  const [workers, catalogue] = await Promise.all([workerCounts(redis), readCatalogue(redis)]);
  const s = await summary(name, workers);
  const retention = catalogue.filter((e) => e.queue === name).map((e) => ({ task: e.name, retention: e.retention ?? DEFAULT_TASK_RETENTION }));
  return { ...s, retention };
}
