import type { z } from 'zod';
import type { TaskRegistry, AnyTask } from '../registry/task-registry';
import type { JobOptionsInput } from '../queue/job-options';
import { addTaskJob, type EnqueuedJob } from '../queue/add-task-job';
import { getQueue, closeQueues } from '../queue/queue-registry';
import { closeRedis } from '../redis';
import { parseOrThrow } from '../validation';
import { NotFoundError } from '../errors';

type ArgsOf<T extends AnyTask, N> = z.input<Extract<T, { name: N }>['schema']>;

/** A job handle returned by `enqueue`: where it is, and a way to wait for its result. */
export interface JobHandle<Result = unknown> extends EnqueuedJob {
  /** Resolve with the result once the job completes; reject with its error if it fails for good. */
  waitForResult(timeoutMs?: number): Promise<Result>;
}

export interface CelerityClient<T extends AnyTask> {
  /**
   * Enqueue a job for a task (Celery's `delay()`). The arguments are checked
   * against the task's schema first: bad arguments throw an InvalidError and
   * nothing reaches Redis.
   */
  enqueue<N extends T['name']>(
    task: N,
    ...rest: {} extends ArgsOf<T, N> ? [args?: ArgsOf<T, N>, options?: JobOptionsInput] : [args: ArgsOf<T, N>, options?: JobOptionsInput]
  ): Promise<JobHandle<Awaited<ReturnType<Extract<T, { name: N }>['handler']>>>>;
  /** Close the connections this client opened. */
  close(): Promise<void>;
}

/** A typed client for application code, bound to a registry of task definitions. */
export function createClient<T extends AnyTask>(registry: TaskRegistry<T>): CelerityClient<T> {
  return {
    async enqueue(task, ...rest) {
      const [args, options] = rest as [unknown, JobOptionsInput | undefined];
      const def = registry.get(task);
      if (!def) throw new NotFoundError(`Unknown task "${task}"`);
      // Validate only: the job keeps the arguments as given, and the worker parses them again.
      parseOrThrow(def.schema, args ?? {}, 'args');
      const job = await addTaskJob({ queue: def.queue, task: def.name, args: args ?? {}, options, defaults: def.defaults, retention: def.retention });
      return { ...job, waitForResult: (timeoutMs?: number) => waitForResult(job, timeoutMs) } as never;
    },
    async close() {
      await closeQueues();
      await closeRedis();
    },
  };
}

/**
 * Poll the job until it is finished. Polling (every 100 ms) instead of
 * QueueEvents keeps this free of a blocking connection per caller.
 */
async function waitForResult(job: EnqueuedJob, timeoutMs = 60_000): Promise<unknown> {
  const queue = getQueue(job.queue);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // State first, then the job: reading the job first could miss a result written in between.
    const state = await queue.getJobState(job.id);
    if (state === 'unknown') throw new NotFoundError(`Job ${job.id} disappeared from queue "${job.queue}"`);
    if (state === 'completed' || state === 'failed') {
      const j = await queue.getJob(job.id);
      if (!j) throw new NotFoundError(`Job ${job.id} disappeared from queue "${job.queue}"`);
      if (state === 'completed') return j.returnvalue;
      throw new Error(j.failedReason);
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for job ${job.id}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
