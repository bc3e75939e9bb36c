import type { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import type { TaskRegistry, AnyTask } from '../registry/task-registry';
import { jobOptionsSchema, type JobOptions, type JobOptionsInput } from '../queue/job-options';
import { bullJobOptions, type EnqueuedJob } from '../queue/add-task-job';
import { getQueue, closeQueues } from '../queue/queue-registry';
import { closeRedis, getRedis } from '../redis';
import { invalidFromZod, parseOrThrow } from '../validation';
import { GatewayTimeoutError, InvalidError, NotFoundError } from '../errors';
import { closeResultListeners, resultListener, resultMark } from './result-listeners';
import type { ReadMark } from './result-listener';
import { unknownOutcome } from './enqueue-unavailable';
import { awaitReplicas, replicaWaitSchema, type ReplicaWait, type ReplicaWaitInput } from './replica-ack';
import { applyDedupe, DEFAULT_IDEMPOTENCY_TTL_MS, jobDedupe, wasCreated, type JobDedupe } from '../registry/dedupe';
import type { Sig } from '../workflows/canvas';
import type { AnyWorkflow } from '../workflows/define-workflow';
import { runCanvas, startWorkflow, type WorkflowHandle, type WorkflowResult } from '../workflows/start-workflow';
import { closeFlowProducer } from '../workflows/flow-build';

type TaskOf<T extends AnyTask, N> = Extract<T, { name: N }>;
type ArgsOf<T extends AnyTask, N> = z.input<TaskOf<T, N>['schema']>;
type ResultOf<T extends AnyTask, N> = Awaited<ReturnType<TaskOf<T, N>['handler']>>;

/** Options of one `enqueue` call: the job's options, and an idempotency key. */
export type EnqueueOptions = JobOptionsInput & {
  /**
   * Make a retry safe: every call with the same key within the task's
   * `idempotencyTtl` (24 h by default) returns the first call's job — even once
   * it finished, even if the first call threw. Text of 1–256 characters; it
   * replaces the task's own `dedupe` key for this call.
   */
  idempotencyKey?: string;
  /**
   * Return only once `replicas` replicas of the queue's Redis master have the
   * job (Redis `WAIT`), so that a failover cannot lose it; throws an
   * UnavailableError when they do not within `timeoutMs` (default 1 s).
   */
  waitForReplicas?: ReplicaWaitInput;
};

/** A job handle returned by `enqueue`: where it is, and a way to wait for its result. */
export interface JobHandle<Result = unknown> extends EnqueuedJob {
  /**
   * True when this call created the job; false when a deduplication key (the
   * task's `dedupe`, or the call's `idempotencyKey`) returned an existing one.
   */
  created: boolean;
  /**
   * Resolve with the result once the job completes; reject with its error
   * (message = the job's failedReason) once it has failed for good, with a
   * NotFoundError if it is removed, with a GatewayTimeoutError after
   * `timeoutMs` (default 60 s). The result is pushed from the queue's event
   * stream as soon as it is written.
   */
  waitForResult(timeoutMs?: number): Promise<Result>;
}

/** One job for `enqueueMany`: a task, its arguments (typed by that task) and options. */
export type EnqueueItem<T extends AnyTask> = {
  [N in T['name']]: { task: N; options?: EnqueueOptions } & ({} extends ArgsOf<T, N> ? { args?: ArgsOf<T, N> } : { args: ArgsOf<T, N> });
}[T['name']];

/** The handles `enqueueMany` returns, in the order of its items, each typed by its item's task. */
export type JobHandles<T extends AnyTask, I extends readonly EnqueueItem<T>[]> = { -readonly [K in keyof I]: JobHandle<ResultOf<T, I[K]['task']>> };

export interface CelerityClient<T extends AnyTask> {
  /**
   * Enqueue a job for a task (Celery's `delay()`). The arguments are checked
   * against the task's schema first: bad arguments throw an InvalidError and
   * nothing reaches Redis. Redis out of reach throws an UnavailableError: the
   * job may have been added all the same, and a retry with the same
   * `idempotencyKey` is safe.
   */
  enqueue<N extends T['name']>(
    task: N,
    ...rest: {} extends ArgsOf<T, N> ? [args?: ArgsOf<T, N>, options?: EnqueueOptions] : [args: ArgsOf<T, N>, options?: EnqueueOptions]
  ): Promise<JobHandle<ResultOf<T, N>>>;
  /**
   * Enqueue many jobs at once (BullMQ's `addBulk`: one round trip per queue).
   * Every item is checked first: one bad item throws an InvalidError naming it
   * (`items.<index>.args.<field>`) and nothing is added. The jobs of one queue
   * are added atomically; items for several queues make one addBulk per queue.
   */
  enqueueMany<const I extends readonly EnqueueItem<T>[]>(items: I): Promise<JobHandles<T, I>>;
  /**
   * Start a run of a workflow (lib/workflows): its arguments are checked against its schema
   * and every step against its task (unknown task, arguments, cycle: an InvalidError naming
   * the step) before anything reaches Redis. Its tasks must be in this client's registry.
   */
  startWorkflow<W extends AnyWorkflow>(
    workflow: W,
    ...rest: {} extends z.input<W['schema']> ? [args?: z.input<W['schema']>] : [args: z.input<W['schema']>]
  ): Promise<WorkflowHandle<WorkflowResult<W>>>;
  /** Run a canvas (`chain(…)`, `chord(…)`…) without a workflow definition; `name` is what the console lists it as. */
  runCanvas<O>(sig: Sig<undefined, O>, opts?: { name?: string; queue?: string }): Promise<WorkflowHandle<O>>;
  /** Close the connections this client opened (the process's shared ones: queues, result listeners, command connection). */
  close(): Promise<void>;
}

/** A job ready for BullMQ: checked, with its options decided. */
interface PreparedJob {
  queue: string;
  name: string;
  data: unknown;
  opts: JobsOptions;
  /** Its deduplication, when one applies (it decides `created`). */
  dedupe?: JobDedupe;
  /** Replicas that must have it before the call returns. */
  replicas?: ReplicaWait;
}

/** A typed client for application code, bound to a registry of task definitions. */
export function createClient<T extends AnyTask>(registry: TaskRegistry<T>): CelerityClient<T> {
  const prepare = jobPreparer(registry);
  return {
    async enqueue(task, ...rest) {
      const [args, options] = rest as [unknown, EnqueueOptions | undefined];
      const job = prepare(task, args, options);
      // Before the add: where the result listener stands (lets waitForResult skip a state read).
      const mark = resultMark(job.queue);
      const added = await unknownOutcome(getQueue(job.queue).add(job.name, job.data, job.opts));
      if (job.replicas) await unknownOutcome(awaitReplicas(getRedis(), job.queue, job.replicas));
      return handle(job.queue, added.id, job.dedupe, mark) as never;
    },
    async enqueueMany(items) {
      const list = items as readonly { task: string; args?: unknown; options?: EnqueueOptions }[];
      const jobs: PreparedJob[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (typeof item !== 'object' || item === null) throw new InvalidError(`items.${i}: an object with task, args and options`, `items.${i}`);
        jobs[i] = prepare(item.task, item.args, item.options, i);
      }
      return (await addBulk(jobs)) as never;
    },
    startWorkflow: ((workflow: AnyWorkflow, args?: unknown) => startWorkflow(registry, workflow, args as never)) as CelerityClient<T>['startWorkflow'],
    runCanvas: (sig, opts) => runCanvas(registry, sig, opts),
    async close() {
      closeResultListeners();
      await closeFlowProducer();
      await closeQueues();
      await closeRedis();
    },
  };
}

/** Where an item's fields are named in errors: `items.<index>.` in enqueueMany, nothing in enqueue. */
const itemAt = (index: number | undefined) => (index === undefined ? '' : `items.${index}.`);

/**
 * Check a job and decide its options. The task's defaults and retention are
 * parsed once per task (they never change), the caller's options only when
 * given: validation stays, its cost on the hot path is the arguments' schema.
 * A job without options of its own shares its task's options object (frozen:
 * BullMQ's add and addBulk copy it before adding their own fields), and names
 * its fields (`items.<index>.`) only in an error: enqueueMany prepares a
 * thousand jobs a call, and every object made per item is CPU per job.
 */
function jobPreparer(registry: TaskRegistry) {
  const base = new WeakMap<AnyTask, { defaults: JobOptions; opts: JobsOptions }>();
  const baseOf = (def: AnyTask) => {
    let b = base.get(def);
    if (!b) {
      const defaults = parseOrThrow(jobOptionsSchema, def.defaults ?? {}, 'defaults');
      base.set(def, (b = { defaults, opts: Object.freeze(bullJobOptions(defaults, def.retention)) }));
    }
    return b;
  };
  /** The job's options when the call gives some (parsed, over the task's defaults). */
  const ownOptions = (def: AnyTask, options: EnqueueOptions, index: number | undefined) => {
    const { idempotencyKey, waitForReplicas, ...jobOptions } = options;
    const at = itemAt(index);
    const opts = bullJobOptions({ ...baseOf(def).defaults, ...parseOrThrow(jobOptionsSchema, jobOptions, `${at}options`) }, def.retention, def);
    const replicas = waitForReplicas === undefined ? undefined : parseOrThrow(replicaWaitSchema, waitForReplicas, `${at}options.waitForReplicas`);
    return { opts, replicas, idempotencyKey };
  };
  return (task: string, args: unknown, options: EnqueueOptions | undefined, index?: number): PreparedJob => {
    const def = registry.get(task);
    if (!def) throw new NotFoundError(`Unknown task "${task}"${index === undefined ? '' : ` (${itemAt(index)}task)`}`);
    const data = args ?? {};
    // Validate only: the job keeps the arguments as given, and the worker parses them again.
    const checked = def.schema.safeParse(data);
    if (!checked.success) throw invalidFromZod(checked.error, `${itemAt(index)}args`);
    const own = options === undefined ? undefined : ownOptions(def, options, index);
    const opts = own ? own.opts : baseOf(def).opts;
    if (!def.dedupe && own?.idempotencyKey === undefined) return { queue: def.queue, name: def.name, data, opts, replicas: own?.replicas };
    const dedupe = jobDedupe(
      { task: def.name, dedupe: def.dedupe, idempotencyTtl: def.idempotencyTtl ?? DEFAULT_IDEMPOTENCY_TTL_MS },
      data,
      checked.data,
      own?.idempotencyKey,
      `${itemAt(index)}options.idempotencyKey`,
    );
    // applyDedupe sets fields: never on the task's shared options.
    return { queue: def.queue, name: def.name, data, opts: applyDedupe(own ? opts : { ...opts }, dedupe), dedupe, replicas: own?.replicas };
  };
}

/** One addBulk per queue (BullMQ adds a bulk in one MULTI); handles in the items' order. */
async function addBulk(jobs: PreparedJob[]): Promise<JobHandle[]> {
  const queue = jobs[0]?.queue;
  if (queue === undefined) return [];
  // Most calls are for one queue: no grouping then.
  if (jobs.every((j) => j.queue === queue)) return addToQueue(queue, jobs);
  const byQueue = new Map<string, number[]>();
  jobs.forEach((j, i) => (byQueue.get(j.queue) ?? byQueue.set(j.queue, []).get(j.queue)!).push(i));
  const handles: JobHandle[] = new Array(jobs.length);
  await Promise.all(
    [...byQueue].map(async ([q, indexes]) => {
      const added = await addToQueue(
        q,
        indexes.map((i) => jobs[i]!),
      );
      added.forEach((h, k) => (handles[indexes[k]!] = h));
    }),
  );
  return handles;
}

/** The jobs of one queue in one addBulk, then the replicas' wait if any item asks for one; their handles in order. */
async function addToQueue(queue: string, jobs: PreparedJob[]): Promise<JobHandle[]> {
  const mark = resultMark(queue);
  const added = await unknownOutcome(getQueue(queue).addBulk(jobs));
  const replicas = maxReplicaWait(jobs);
  if (replicas) await unknownOutcome(awaitReplicas(getRedis(), queue, replicas));
  const handles: JobHandle[] = new Array(added.length);
  for (let k = 0; k < added.length; k++) handles[k] = handle(queue, added[k]!.id, jobs[k]!.dedupe, mark);
  return handles;
}

/** The strictest wait the items of one queue ask for (one WAIT covers the whole bulk). */
function maxReplicaWait(jobs: readonly PreparedJob[]): ReplicaWait | undefined {
  let max: ReplicaWait | undefined;
  for (const { replicas: w } of jobs) {
    if (w) max = max ? { replicas: Math.max(max.replicas, w.replicas), timeoutMs: Math.max(max.timeoutMs, w.timeoutMs) } : w;
  }
  return max;
}

/**
 * A job's handle. `mark`: where the result listener stood before the add; it
 * counts only for a job the add created with a new id (no deduplication: a
 * deduplicated add may return a job that ended long before).
 */
function handle(queue: string, id: string | undefined, dedupe?: JobDedupe, mark?: ReadMark): JobHandle {
  if (!id) throw new Error('BullMQ returned a job without an id');
  return new Handle(queue, id, wasCreated(dedupe, id), dedupe ? undefined : mark);
}

/**
 * A job handle: `waitForResult` is a method, one function for every handle
 * (enqueueMany makes a thousand handles a call; a closure or bound function
 * each cost more than the rest of the handle, naming them most of all).
 */
class Handle implements JobHandle {
  readonly #since: ReadMark | undefined;

  constructor(
    readonly queue: string,
    readonly id: string,
    readonly created: boolean,
    since: ReadMark | undefined,
  ) {
    this.#since = since;
  }

  waitForResult(timeoutMs?: number): Promise<unknown> {
    return waitForResult(this.queue, this.id, this.#since, timeoutMs);
  }
}

/** Wait for the job's outcome through the queue's shared listener (see ResultListener). */
async function waitForResult(queue: string, id: string, since: ReadMark | undefined, timeoutMs = 60_000): Promise<unknown> {
  const outcome = await resultListener(queue).wait(id, timeoutMs, since);
  if (!outcome) throw new GatewayTimeoutError(`Timed out after ${timeoutMs} ms waiting for job ${id}`);
  if (outcome.state === 'completed') return outcome.value;
  if (outcome.state === 'failed') throw new Error(outcome.reason);
  throw new NotFoundError(`Job ${id} disappeared from queue "${queue}"`);
}
