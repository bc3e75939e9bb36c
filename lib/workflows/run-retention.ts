import type { RedisConnection } from '../redis';
import { env } from '../env';
import { indexKeys, runKeys } from './run-keys';
import type { WorkflowRunState } from './run-dto';

/**
 * Retention of finished workflow runs, like BullMQ's removeOnComplete/removeOnFail for
 * jobs: a run that completed, failed or was cancelled is kept `days` after it finished
 * and at most `max` of them (the oldest finished go first). Pruned as runs finish
 * (run-store's transition calls this), from the index of finished runs by end time:
 * each call reads what is due and deletes at most {@link PRUNE_BATCH} runs, so the cost
 * follows what is deleted — never the number of runs kept — and a backlog (a lower
 * limit just set) drains over the next finishes.
 */

/** Runs deleted per call at most. */
export const PRUNE_BATCH = 100;

export interface RunRetention {
  days: number;
  max: number;
}

/** The deployment's retention (CELERITY_WORKFLOW_RUNS_DAYS, CELERITY_WORKFLOW_RUNS_MAX). */
export function runRetention(): RunRetention {
  return { days: env().CELERITY_WORKFLOW_RUNS_DAYS, max: env().CELERITY_WORKFLOW_RUNS_MAX };
}

/** Delete the finished runs past the retention; resolves to the ids deleted. */
export async function pruneFinishedRuns(redis: RedisConnection, retention = runRetention(), now = Date.now()): Promise<string[]> {
  const finished = runKeys.finished();
  await backfillOnce(redis, finished);
  const cutoff = now - retention.days * 86_400_000;
  const [aged, count] = await Promise.all([
    redis.zrangebyscore(finished, '-inf', retention.days === 0 ? '+inf' : `(${cutoff}`, 'LIMIT', 0, PRUNE_BATCH),
    redis.zcard(finished),
  ]);
  const over = Math.min(count - retention.max, PRUNE_BATCH) - aged.length;
  // Over the count: the oldest finished after those already due by age.
  const oldest = over > 0 ? await redis.zrange(finished, aged.length, aged.length + over - 1) : [];
  const ids = [...aged, ...oldest];
  if (ids.length) await deleteRuns(redis, ids);
  return ids;
}

const backfilled = new Set<string>();

/**
 * Runs that finished before this index existed are added to it once per deployment (a flag
 * key), by their creation time, from the state indexes (one ZUNIONSTORE; MAX keeps the end
 * time of those already indexed) — the state indexes, never a scan of the keyspace.
 */
async function backfillOnce(redis: RedisConnection, finished: string): Promise<void> {
  if (backfilled.has(finished)) return;
  if ((await redis.set(`${finished}:backfilled`, '1', 'NX')) === 'OK') {
    const states = (['completed', 'failed', 'cancelled'] as const).map((state) => runKeys.index({ state }));
    await redis.zunionstore(finished, 4, finished, ...states, 'AGGREGATE', 'MAX');
  }
  backfilled.add(finished);
}

/** Delete runs: every key of each and its place in the indexes. */
async function deleteRuns(redis: RedisConnection, ids: string[]): Promise<void> {
  const read = redis.multi();
  for (const id of ids) read.hmget(runKeys.run(id), 'workflow', 'state');
  const replies = (await read.exec()) ?? [];
  const m = redis.multi();
  ids.forEach((id, i) => {
    const [workflow, state] = (replies[i]?.[1] as [string | null, string | null] | undefined) ?? [null, null];
    m.del(runKeys.run(id), runKeys.steps(id), runKeys.inputs(id), runKeys.tasks(id), runKeys.done(id), runKeys.failed(id));
    if (workflow !== null && state !== null) for (const key of indexKeys(workflow, state as WorkflowRunState)) m.zrem(key, id);
    m.zrem(runKeys.finished(), id);
  });
  await m.exec();
}
