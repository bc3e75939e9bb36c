import type { RedisConnection } from '../redis';
import type { WorkflowFailureDTO, WorkflowRunState } from './run-dto';
import { resume, runKeys, transition } from './run-store';

/**
 * Which steps of a run failed for good, so that a run is failed while any of them is.
 * Two members of a group may fail; the run records the first as its error, and
 * retrying that one alone must not resume the run — the other is still failed, and
 * its group can never finish. Each failure is kept (`…:failed`, step → failure) until
 * its step is retried; the run resumes when the last is.
 */

/** A step failed for good: remember it, and fail the run (once). Resolves to whether this call failed the run. */
export async function recordStepFailure(redis: RedisConnection, id: string, error: WorkflowFailureDTO): Promise<boolean> {
  const json = JSON.stringify(error);
  await redis.hset(runKeys.failed(id), error.step!, json);
  return transition(redis, id, ['running'], 'failed', { error: json, finishedAt: String(Date.now()) });
}

/**
 * A step runs again, or is being retried from the console, while its run is failed: its
 * failure is forgotten; the run resumes once no failed step is left, and otherwise
 * names a step that is still failed as its error. `failedStep`: the step the run's
 * error names (a run failed before failures were kept has only that one).
 */
export async function stepRetried(
  redis: RedisConnection,
  id: string,
  step: string,
  run: { state: WorkflowRunState | null; failedStep?: string },
): Promise<void> {
  if (run.state !== 'failed') return;
  const key = runKeys.failed(id);
  const replies = await redis.multi().hdel(key, step).hvals(key).exec();
  const removed = Number(replies?.[0]?.[1] ?? 0);
  const left = (replies?.[1]?.[1] as string[] | undefined) ?? [];
  if (!removed && run.failedStep !== step) return;
  // Of two retries at once, the later HDEL sees none left (MULTI): it resumes the run.
  if (left.length === 0) await resume(redis, id);
  else if (run.failedStep === step) await redis.hset(runKeys.run(id), 'error', left[0]!);
}

/** Whether a step's failure is recorded and not retried yet. */
export async function isRecordedFailed(redis: RedisConnection, id: string, step: string): Promise<boolean> {
  return (await redis.hexists(runKeys.failed(id), step)) === 1;
}
