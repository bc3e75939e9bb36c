import { getRedis } from '../redis';
import { NotFoundError } from '../errors';
import { bullKey } from '../keys';
import { requireQueue } from '../queue/queue-registry';
import { readLogPage, type LogPage } from '../queue/job-logs';

export type { LogPage, LogLine } from '../queue/job-logs';

/** A page of one job's log for the client; NotFoundError for an unknown queue or job. */
export async function getJobLogPage(queue: string, id: string, page: number, pageSize: number): Promise<LogPage> {
  await requireQueue(queue);
  const redis = getRedis();
  const [exists, logs] = await Promise.all([redis.exists(bullKey(queue, id)), readLogPage(redis, queue, id, page, pageSize)]);
  if (!exists) throw new NotFoundError(`Job "${id}" not found in queue "${queue}"`);
  return logs;
}
