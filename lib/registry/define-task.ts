import type { z } from 'zod';
import { resolveRetention, type JobOptionsInput, type Retention, type RetentionInput } from '../queue/job-options';
import { resolveDedupe, resolveIdempotencyTtl, type Dedupe, type DedupeInput } from './dedupe';
import { resolveThrottle, type Throttle, type ThrottleInput } from './task-throttle';
import { resolveTimeLimits } from './time-limits';
import { resolveRetryOn, type RetryOn } from './retry-on';

/** What a running handler can do besides computing its result. */
export interface TaskContext<Input = unknown> {
  /**
   * In a workflow (lib/workflows/canvas.ts), the previous step's result — kept apart from
   * the arguments, never merged into them; checked against the task's `input` schema when
   * it has one. Undefined outside a workflow and for a workflow's first step.
   */
  input: Input;
  /** The BullMQ job id of this execution. */
  jobId: string;
  queue: string;
  /** 1 for the first try, 2 for the first retry… */
  attempt: number;
  /**
   * Fires when the job is cancelled, the worker must give up on it, or its
   * time limit is reached (reason: a TimeLimitExceeded); handlers should stop promptly.
   */
  signal: AbortSignal;
  /** Report progress: a number 0–100, or an object. Ignored once the job was cancelled. */
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** Append a line to the job's log (shown live in the console). Ignored once the job was cancelled. */
  log(line: string): Promise<void>;
}

/**
 * How each attempt of a task runs: the same fields as given to `defineTask`
 * and as kept on its definition (they need no defaults filled in).
 */
export interface TaskRunControls {
  /**
   * Hard limit of each attempt, in ms: the attempt fails with TimeLimitExceeded
   * whatever the handler does (a handler that blocks the event loop can only
   * be stopped with `isolation: 'process'`). See lib/registry/time-limits.ts.
   */
  timeLimit?: number;
  /** Soft limit of each attempt, in ms: the handler's `signal` aborts with a TimeLimitExceeded reason it can catch. */
  softTimeLimit?: number;
  /** A job not started within this many ms of its enqueue is not run: it fails as "expired", without retries. */
  expires?: number;
  /**
   * Retry only these errors (classes, or names such as `'TimeLimitExceeded'`); any other
   * fails the job at once (lib/registry/retry-on.ts).
   */
  retryOn?: RetryOn;
  /**
   * `'process'`: each attempt runs in a child process of its own (started with
   * the worker's `celerity worker -A` module), killed at the hard time limit or
   * a cancel — this also ends a handler that blocks its event loop. Costs a
   * process start per attempt; arguments and results cross as JSON-like values
   * (lib/worker/isolated-run.ts).
   */
  isolation?: 'process';
  /**
   * Copy each job that failed for good (attempts exhausted, or an error
   * `retryOn` does not name) to the queue `<task>.dlq`, where it waits to be
   * listed and replayed (`replayDeadLetters`). Cancelled and expired jobs are not
   * copied (lib/queue/dead-letter.ts).
   */
  deadLetter?: boolean;
}

export interface TaskDefinition<
  Name extends string = string,
  Schema extends z.ZodType = z.ZodType,
  Result = unknown,
  Input extends z.ZodType = z.ZodType,
> extends TaskRunControls {
  name: Name;
  description: string;
  /** The queue its jobs go to; `default` unless set. */
  queue: string;
  /** zod schema of the arguments: validated by the client before enqueueing and by the worker before running. */
  schema: Schema;
  /** zod schema of the input a workflow step gets from its predecessor (`ctx.input`), if the task reads one. */
  input?: Input;
  handler: (args: z.output<Schema>, ctx: TaskContext<z.output<Input>>) => Promise<Result> | Result;
  /** Job options used when the caller gives none (attempts, backoff, priority…). */
  defaults: JobOptionsInput;
  /** How long its finished jobs stay in Redis (defaults filled in). */
  retention: Retention;
  /** Deduplication, debounce or uniqueness of its jobs (lib/registry/dedupe.ts), if any. */
  dedupe?: Dedupe;
  /** How long (ms) an `idempotencyKey` given to `enqueue` holds: 24 h unless set. */
  idempotencyTtl: number;
  /** Rate limit and concurrency across all workers (lib/registry/task-throttle.ts), if any. */
  throttle?: Throttle;
}

export const DEFAULT_QUEUE = 'default';

/**
 * Declare a task: its name, what it does, the shape of its arguments and the
 * code that runs it. The definition is data — the worker runs it, the client
 * validates against it, and the console shows a form generated from it.
 */
export function defineTask<const Name extends string, Schema extends z.ZodType, Result, Input extends z.ZodType = z.ZodUnknown>(
  def: {
    name: Name;
    description: string;
    queue?: string;
    schema: Schema;
    /**
     * In a workflow, the shape of the previous step's result this task reads as `ctx.input`
     * (checked when the step starts; a chain whose previous step returns something else does
     * not compile). Tasks without it take any input and ignore it.
     */
    input?: Input;
    handler: (args: z.output<Schema>, ctx: TaskContext<z.output<Input>>) => Promise<Result> | Result;
    defaults?: JobOptionsInput;
    /**
     * Keep completed / failed jobs by age (seconds) and count; a kind left out
     * keeps the default (7 days or 10,000 completed; 30 days or 50,000 failed).
     */
    retention?: RetentionInput;
    /**
     * One job per key: `{ key, ttl }` returns the existing job to a call within
     * `ttl` ms of the first (even once it finished); `{ key }` while the job is
     * queued or running; `{ key, ttl, debounce: true }` keeps the last call's
     * arguments and runs `ttl` ms after it. See lib/registry/dedupe.ts.
     */
    dedupe?: DedupeInput<z.output<Schema>>;
    /** How long (ms) a call's `idempotencyKey` holds (24 h by default). */
    idempotencyTtl?: number;
    /** Starts per second, minute or hour across all workers (`'5/s'`, `'100/m'`, `'1000/h'`); jobs over it wait. */
    rateLimit?: string;
    /** Each key gets its own `rateLimit` budget: a function of the arguments, or argument names (`['customerId']`). */
    rateLimitKey?: ThrottleInput<z.output<Schema>>['rateLimitKey'];
    /** At most `global` jobs of this task running across all workers, at most `perKey` per key (`key`, or `rateLimitKey`). */
    concurrency?: ThrottleInput<z.output<Schema>>['concurrency'];
  } & TaskRunControls,
): TaskDefinition<Name, Schema, Result, Input> {
  if (!def.name.trim() || def.name.length > 200) throw new Error(`Invalid task name "${def.name}": 1–200 characters`);
  const queue = def.queue ?? DEFAULT_QUEUE;
  if (!queue.trim() || queue.includes(':')) throw new Error(`Invalid queue "${queue}" for task "${def.name}": not empty, no ':'`);
  let retention: Retention;
  try {
    retention = resolveRetention(def.retention);
  } catch (err) {
    throw new Error(`Invalid retention for task "${def.name}": ${(err as Error).message}`);
  }
  const dedupe = resolveDedupe(def.name, def.dedupe as DedupeInput<never> | undefined);
  const idempotencyTtl = resolveIdempotencyTtl(def.name, def.idempotencyTtl);
  const throttle = resolveThrottle(def.name, def as ThrottleInput<never>);
  const limits = resolveTimeLimits(def.name, def);
  const retryOn = resolveRetryOn(def.name, def.retryOn);
  if (def.deadLetter !== undefined && typeof def.deadLetter !== 'boolean') throw new Error(`Invalid deadLetter for task "${def.name}": true or false`);
  if (def.isolation !== undefined && def.isolation !== 'process') throw new Error(`Invalid isolation for task "${def.name}": 'process' or none`);
  return { ...def, queue, defaults: def.defaults ?? {}, retention, dedupe, idempotencyTtl, ...limits, retryOn, ...(throttle ? { throttle } : {}) };
}
