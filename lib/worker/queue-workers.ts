import { Worker, MetricsTime, type Job } from 'bullmq';
import { DEFAULT_RETENTION } from '../queue/job-options';
import type { RedisConnection } from '../redis';
import { bullKey } from '../keys';
import { bullQueueName } from '../queue/queue-names';
import { createRedis } from '../redis';
import type { Logger } from '../logger';
import type { RedisOutage } from './redis-outage';
import type { JobTracker } from './job-tracker';
import type { QueueProcessor } from './job-processor';
import type { LockSettings } from './lock-settings';
import type { LockFence } from './lock-fence';

/**
 * BullMQ's private fetch state that FencedWorker.moveToActive sets (6.x). Should a later
 * BullMQ rename it, setting it does nothing: jobs then start as BullMQ alone starts them
 * (lib/worker/queue-workers.test.ts says so by failing).
 */
type BullFetchState = { blockUntil: number };

/**
 * A BullMQ Worker that says when each acknowledged lock renewal was sent:
 * the lock fence counts the lock's life from there (BullMQ's 'locksRenewed'
 * event says which, not when). `extendJobLocks` is BullMQ's public hook for its lock manager.
 *
 * It also starts a job that arrives at an idle worker at once. BullMQ's main
 * loop, with concurrency > 1, fetches the next job (moveToActive, a whole
 * round trip, empty on an idle queue) before it starts the one it just took
 * after a blocking wait, unless `blockUntil` is set (delayed jobs ahead), which
 * makes it start that job first. Setting it to a past instant (1) after such a
 * fetch does the same: the next fetch goes out as the job starts (the same
 * commands, in parallel instead of in sequence), and that fetch's answer sets
 * `blockUntil` again as always (a past instant only means "fetch without
 * blocking", which it does then anyway). It takes one round trip off every
 * job that finds the worker idle: the hello round trip of issue 14.
 */
export class FencedWorker extends Worker {
  onRenewed: ((jobIds: string[], sentAt: number) => void) | undefined;
  /** A blocking wait for the queue's marker began since the last fetch (BullMQ asks for its timeout just before). */
  private blocked = false;

  protected override getBlockTimeout(blockUntil: number): number {
    this.blocked = true;
    return super.getBlockTimeout(blockUntil);
  }

  /** A fetch; after a blocking wait, a job taken starts before the next fetch (see the class comment). */
  protected override async moveToActive(token: string, name?: string): Promise<Job> {
    const woke = this.blocked;
    this.blocked = false;
    const job = await super.moveToActive(token, name);
    const fetch = this as unknown as BullFetchState;
    if (job && woke && this.concurrency > 1 && !fetch.blockUntil) fetch.blockUntil = 1;
    return job;
  }

  override async extendJobLocks(jobIds: string[], tokens: string[], duration: number): Promise<string[]> {
    const sentAt = Date.now();
    const refused = await super.extendJobLocks(jobIds, tokens, duration);
    this.onRenewed?.(refused.length ? jobIds.filter((id) => !refused.includes(id)) : jobIds, sentAt);
    return refused;
  }
}

interface QueueWorker {
  queue: string;
  worker: Worker;
  /** BullMQ does not close a connection it was given; kept to close it ourselves. */
  connection: RedisConnection;
}

export interface QueueWorkersOptions {
  /**
   * The worker's id, given to BullMQ as the worker's name: BullMQ writes it
   * into each job it takes (`pb`), and the attempt that completes a job is read
   * from that (lib/queue/attempt-log.ts). Undefined: no name.
   */
  name: string | undefined;
  /** Per-minute completed/failed counts (off in a bench only). */
  metrics: boolean;
  /** BullMQ's lock duration and stall-check interval. */
  lock: LockSettings;
  /** Told of each renewal and each lock BullMQ finds lost. */
  fence?: LockFence;
  /** The client name of each worker's own connection (BullMQ names the blocking one after `name`). */
  connectionName?: string;
  queues: readonly string[];
  prefix: string;
  concurrency: number;
  processorFor: (queue: string) => QueueProcessor;
  tracker: JobTracker;
  outage: RedisOutage;
  logger: Logger;
}

/**
 * One BullMQ Worker per queue, created without running, each on its own
 * blocking connection. Outcome events settle the jobs in the tracker; the
 * methods act on every queue at once (pause, resume, concurrency, close).
 */
export class QueueWorkers {
  private readonly list: QueueWorker[];

  constructor(private readonly opts: QueueWorkersOptions) {
    this.list = opts.queues.map((queue) => this.create(queue));
  }

  private create(queue: string): QueueWorker {
    const { prefix, concurrency, outage, lock, fence } = this.opts;
    const connection = createRedis('blocking', undefined, { connectionName: this.opts.connectionName });
    outage.watch(connection);
    const worker = new FencedWorker(bullQueueName(queue), this.opts.processorFor(queue), {
      connection,
      prefix,
      concurrency,
      name: this.opts.name,
      lockDuration: lock.lockDurationMs,
      stalledInterval: lock.stalledIntervalMs,
      // Per-minute completed/failed counts for the dashboard's history.
      metrics: this.opts.metrics ? { maxDataPoints: MetricsTime.ONE_WEEK } : undefined,
      // The default retention, for every job that names none (most do not: lib/queue/job-options.ts).
      ...DEFAULT_RETENTION,
      autorun: false,
    });
    worker.on('error', (err) => outage.report('worker error', err, { queue }));
    if (fence) worker.onRenewed = (jobIds, sentAt) => fence.renewed(queue, jobIds, sentAt);
    this.followOutcomes(queue, worker);
    return { queue, worker, connection };
  }

  private followOutcomes(queue: string, worker: Worker): void {
    const { tracker, logger } = this.opts;
    // Both are emitted only once BullMQ has written the outcome (a retry's move to delayed counts).
    worker.on('failed', (job, err) => {
      if (!job) return;
      tracker.settled(queue, job.id!);
      logger.info('job failed', { queue, task: job.name, jobId: job.id, error: err.message });
    });
    worker.on('completed', (job) => {
      tracker.settled(queue, job.id!);
      logger.debug('job completed', { queue, task: job.name, jobId: job.id });
    });
    // A job whose lock was lost is no longer this worker's to settle (stall detection has it): forget it,
    // and abort its handler (the fence's "lock lost"), which may be running beside another worker's.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) {
        tracker.settled(queue, jobId);
        this.opts.fence?.lost(queue, jobId);
      }
    });
  }

  /** Start taking jobs (the run loops are not awaited: they last until close). */
  run(): void {
    for (const { worker } of this.list) {
      void worker.run().catch((err: Error) => this.opts.logger.error('worker stopped', { error: err.message }));
    }
  }

  /** Resolves once every worker's connection is ready. */
  async waitUntilReady(): Promise<void> {
    await Promise.all(this.list.map(({ worker }) => worker.waitUntilReady()));
  }

  /**
   * Stop fetching; running jobs finish (not awaited). A fetch blocked on an
   * empty queue would still take the next job that arrives: a marker wakes it
   * now, while there is nothing to take (a marker is how BullMQ itself wakes
   * workers). One that slips through is handed back by the processor.
   */
  async pause(command: RedisConnection): Promise<void> {
    await Promise.all(this.list.map(({ worker }) => worker.pause(true)));
    await Promise.all(this.list.map(({ queue }) => command.zadd(bullKey(queue, 'marker'), 0, '0')));
  }

  async resume(): Promise<void> {
    await Promise.all(this.list.map(({ worker }) => worker.resume()));
  }

  setConcurrency(concurrency: number): void {
    for (const { worker } of this.list) worker.concurrency = concurrency;
  }

  /** Abort a job this process runs; false when no worker here holds it. */
  cancelJob(queue: string, jobId: string, reason: string): boolean {
    // Through the tracker, not BullMQ's cancelJob: the processor declares no signal (see QueueProcessor).
    return this.list.some((x) => x.queue === queue) && this.opts.tracker.cancel(queue, jobId, reason);
  }

  /** Stop fetching at once; resolves when active jobs have finished (or were handed back). `force` does not wait. */
  close(force: boolean): Promise<void> {
    return Promise.all(this.list.map(({ worker }) => worker.close(force))).then(() => undefined);
  }

  /** The workers' own connections, for the shutdown to quit or cut. */
  connections(): RedisConnection[] {
    return this.list.map(({ connection }) => connection);
  }
}
