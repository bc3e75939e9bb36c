import type { Job } from 'bullmq';
import { getRedis } from '../redis';
import { getQueue } from '../queue/queue-registry';
import { cancelJob } from '../queue/job-actions';
import { ConflictError, NotFoundError } from '../errors';
import { stepJobId } from './flow-build';
import { readRun, readStepMetas, transition, type StepMeta } from './run-store';
import { isRecordedFailed, stepRetried } from './failures';

/**
 * The console's actions on a run: retry a failed step (the run resumes from it)
 * and cancel the run (running steps are cancelled, nothing more runs).
 */

/** Retry a step that failed for good: its job runs again, and the run is running again. */
export async function retryStep(runId: string, step: string): Promise<{ queue: string; id: string }> {
  const redis = getRedis();
  const run = await readRun(redis, runId);
  if (!run) throw new NotFoundError(`Workflow run ${runId} not found`);
  const meta = (await readStepMetas(redis, runId)).get(step);
  if (!meta) throw new NotFoundError(`Workflow run ${runId} has no step ${step}`);
  if (run.state === 'cancelled' || run.state === 'completed') throw new ConflictError(`Workflow run ${runId} is ${run.state}: its steps cannot be retried`);
  const id = stepJobId(runId, step);
  const job = await getQueue(meta.queue).getJob(id);
  if (!job) throw new NotFoundError(`The job of step ${step} (${id}) is no longer in Redis`);
  const failing = run.state === 'failed' && (run.error?.step === step || (await isRecordedFailed(redis, runId, step)));
  const state = await settledState(job, failing);
  if (state !== 'failed') throw new ConflictError(`Step ${step} is ${state}: only a failed step can be retried`);
  // The run resumes when this was its last failed step (another member of a group may still be failed).
  await stepRetried(redis, runId, step, { state: run.state, failedStep: run.error?.step });
  await job.retry('failed', { resetAttemptsMade: true });
  return { queue: meta.queue, id };
}

/** How long a retry waits for a failing step's job to be moved to failed (see {@link settledState}). */
const FAILING_WAIT_MS = 5000;

/**
 * The worker records a step's failure in its run just before BullMQ moves the job to
 * failed, so a retry sent as soon as the run shows failed may find the job still active:
 * when the run says this step failed, wait for the move (polling its state, up to
 * {@link FAILING_WAIT_MS}) instead of refusing the retry.
 */
async function settledState(job: Job, failing: boolean): Promise<string> {
  const deadline = Date.now() + FAILING_WAIT_MS;
  for (;;) {
    const state = await job.getState();
    if (state !== 'active' || !failing || Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Cancel a run: no step starts any more (the worker hook refuses them), running steps
 * are cancelled through their worker, and jobs not started yet are removed.
 */
export async function cancelRun(runId: string): Promise<{ cancelled: number; removed: number }> {
  const redis = getRedis();
  const run = await readRun(redis, runId);
  if (!run) throw new NotFoundError(`Workflow run ${runId} not found`);
  const moved = await transition(redis, runId, ['pending', 'running', 'failed'], 'cancelled', { finishedAt: String(Date.now()) });
  if (!moved) throw new ConflictError(`Workflow run ${runId} is ${run.state}: it cannot be cancelled`);
  let cancelled = 0;
  let removed = 0;
  const metas = await readStepMetas(redis, runId);
  // Leaves first: removing a parent first would take its children with it while one may be running.
  const steps = [...metas].filter(([, m]) => !(m.kind === 'task' && m.role === 'onError')).reverse();
  for (const [step, meta] of steps) {
    const job = await getQueue(meta.queue).getJob(stepJobId(runId, step));
    if (!job) continue;
    const outcome = await stopJob(job, meta);
    if (outcome === 'cancelled') cancelled++;
    if (outcome === 'removed') removed++;
  }
  return { cancelled, removed };
}

async function stopJob(job: Job, meta: StepMeta): Promise<'cancelled' | 'removed' | undefined> {
  const state = await job.getState();
  if (state === 'active' && meta.kind === 'task') {
    await cancelJob(meta.queue, job.id!).catch(() => undefined);
    return 'cancelled';
  }
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') {
    // A job moved on in between (taken by a worker) is refused by the hook: nothing to do.
    return (await job.remove({ removeChildren: false }).then(
      () => true,
      () => false,
    ))
      ? 'removed'
      : undefined;
  }
  return undefined;
}
