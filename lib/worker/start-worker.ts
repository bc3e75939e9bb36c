import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Queue, Worker, UnrecoverableError, WaitingError, MetricsTime, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { env } from '../env';
import { createRedis } from '../redis';
import { bullKey, celerityKeys } from '../keys';
import type { AnyTask, TaskRegistry } from '../registry/task-registry';
import type { TaskContext } from '../registry/define-task';
import { publishCatalogue } from '../registry/catalogue';
import { writeHeartbeat, clearHeartbeat, type Heartbeat } from './heartbeat';
import { controlMessageSchema, writeAck, type ControlAck, type WorkerCommand } from './control';
import type { Logger } from '../logger';
import { beginScheduledRun, endScheduledRun } from '../scheduler/run-recorder';
import { syncCodeSchedules, type CodeSchedule } from '../scheduler/define-schedule';
import { reconcileSchedules } from '../scheduler/schedule-service';
import { watchdogPass } from '../scheduler/watchdog';
import { startDelayPacer } from './delay-pacer';
import { recordAttempt, type AttemptOutcome } from '../queue/attempt-log';
import { createRedisOutage } from './redis-outage';

export interface StartWorkerOptions {
  registry: TaskRegistry;
  logger: Logger;
  /** Jobs run at once per queue. */
  concurrency: number;
  /** Queues to take jobs from; default: every queue the registry's tasks use. */
  queues?: string[];
  hostname?: string;
  heartbeatMs: number;
  /** How long a shutdown waits for running jobs before handing them back to the queue. */
  shutdownTimeoutMs: number;
  version: string;
  /** Schedules declared in code (upserted at start; a pause made in the console is kept). */
  schedules?: readonly CodeSchedule[];
  /** How often the schedule watchdog looks for schedules whose next job was lost; 0 turns it off. */
  watchdogMs?: number;
  /**
   * Called when the console asks this worker to shut down (after the request is
   * acknowledged). The process entry wires it to the same path as SIGTERM, so
   * the process exits once stopped; without it the worker only stops.
   */
  onShutdownRequested?: () => void;
  /**
   * Aborted when a shutdown was asked for while the worker is still starting
   * (a SIGTERM during start-up): start-up completes, so that `stop()` finds
   * everything it must undo, but no job is taken.
   */
  stopRequested?: AbortSignal;
}

/** How a stop went. */
export interface StopReport {
  /** No job was left behind: every job this worker held was finished and recorded, or handed back to its queue. */
  clean: boolean;
  /**
   * Jobs whose outcome could not be written to Redis (it was unreachable, or
   * did not answer in time): they stay active in their queue, and stall
   * detection runs them again once their lock expires.
   */
  leftBehind: { queue: string; jobId: string }[];
  /** Redis was unreachable at the end: the heartbeat could not be cleared (it expires on its own). */
  redisUnreachable: boolean;
}

export interface RunningWorker {
  id: string;
  queues: string[];
  /** running, paused (remote pause: takes no new jobs) or stopping. */
  state(): Heartbeat['state'];
  /**
   * Stop taking jobs, let running ones finish (up to the timeout), hand back
   * the ones still running, clear the heartbeat, close connections. Always
   * settles, within {@link stopDeadlineMs} of the call, even when Redis is gone.
   */
  stop(): Promise<StopReport>;
}

/**
 * After the shutdown timeout, how long the jobs being handed back get to
 * reach Redis (a few round trips when it answers) before the worker stops
 * waiting for them.
 */
const HANDBACK_GRACE_MS = 2000;
/** How long clearing the heartbeat and closing the connections may take before they are cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * A deadline for a whole shutdown: what `stop()` takes at most (the shutdown
 * timeout, the hand-back grace, the closing of connections) plus 1.5 s for the
 * process entry to close its shared connection and exit. The entry exits when
 * it passes whatever happened, so a shutdown is bounded even if a step hangs in
 * a way this file did not foresee (or start-up never finished). It stays under
 * the 5 s that `npm start` adds to the timeout before it kills the worker.
 */
export function stopDeadlineMs(shutdownTimeoutMs: number): number {
  return shutdownTimeoutMs + HANDBACK_GRACE_MS + CLOSE_GRACE_MS + 1500;
}

/** Whether `p` settles within `ms` (the promise keeps running either way). */
function settlesWithin(ms: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface RunningJob {
  queue: string;
  jobId: string;
  task: string;
  startedAt: number;
  progress?: unknown;
  /** Aborted when the worker gives up on the job at shutdown: it goes back to the queue. */
  requeue: AbortController;
}

/** Error text for arguments that fail the task's schema at execution. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(args)'}: ${i.message}`).join('; ');
}

/**
 * Run the tasks of a registry: one BullMQ Worker per queue, a heartbeat and
 * catalogue in Redis, and a control channel for cancels. Framework-free, so
 * tests can run it in-process and `worker/main.ts` in its own process.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const { registry, logger } = opts;
  const host = opts.hostname ?? os.hostname();
  const id = `${host}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const queues = opts.queues?.length ? [...new Set(opts.queues)] : registry.queues();
  const tasks = registry.tasks.filter((t) => queues.includes(t.queue));
  const prefix = env().CELERITY_PREFIX;
  const command: Redis = createRedis('command');
  const subscriber: Redis = createRedis('blocking');
  // Every connection's failures go through here: one line per outage, not one per connection per retry.
  const outage = createRedisOutage(logger);
  outage.watch(command);
  outage.watch(subscriber);
  const running = new Map<string, RunningJob>();
  /**
   * Jobs taken and not yet settled in Redis: from the processor's start until
   * BullMQ has recorded the outcome ('completed'/'failed', which it emits only
   * once written) or the job was handed back. Longer than `running`, which
   * ends when the handler does: a stop must know about a result that is still
   * waiting for Redis.
   */
  const unsettled = new Map<string, { queue: string; jobId: string }>();
  const startedAt = Date.now();
  let processed = 0;
  let failed = 0;
  let state: Heartbeat['state'] = 'running';
  let concurrency = opts.concurrency;
  // Declared before the control channel opens: a command may arrive while start-up still runs.
  let stopping: Promise<StopReport> | undefined;
  const handle: { self?: RunningWorker } = {};

  const runKey = (queue: string, jobId: string) => `${queue}\u0000${jobId}`;

  const processor = (queue: string) => async (job: Job, token?: string, signal?: AbortSignal) => {
    if (state === 'paused') {
      // Fetched in the instant of a remote pause (a blocking fetch already under way): hand it back untouched.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    unsettled.set(runKey(queue, job.id!), { queue, jobId: job.id! });
    const task: AnyTask | undefined = registry.get(job.name);
    if (!task) throw new UnrecoverableError(`Unknown task "${job.name}": no worker on queue "${queue}" defines it`);
    const parsed = task.schema.safeParse(job.data ?? {});
    if (!parsed.success) throw new UnrecoverableError(`Invalid arguments: ${describeIssues(parsed.error.issues)}`);

    // A schedule's run is recorded for its history; the late run of missed slots is skipped unless it catches up.
    const scheduled = await beginScheduledRun(command, job).catch((err: Error) => {
      logger.warn('could not record schedule run', { jobId: job.id, error: err.message });
      return undefined;
    });
    if (scheduled?.skip) {
      logger.info('missed slot skipped (catch-up is off)', { queue, jobId: job.id, schedule: scheduled.name });
      return { skipped: 'missed slot: not run because catch-up is off' };
    }
    const endRun = (outcome: Parameters<typeof endScheduledRun>[3]) =>
      scheduled
        ? endScheduledRun(command, job, scheduled, outcome).catch((err: Error) =>
            logger.warn('could not record schedule run', { jobId: job.id, error: err.message }),
          )
        : undefined;

    const cancel = signal ?? new AbortController().signal;
    const entry: RunningJob = { queue, jobId: job.id!, task: task.name, startedAt: Date.now(), requeue: new AbortController() };
    running.set(runKey(queue, job.id!), entry);
    // A handler that ignores its signal must not keep a cancelled job alive: the race below ends it.
    const combined = AbortSignal.any([cancel, entry.requeue.signal]);
    const ctx: TaskContext = {
      jobId: job.id!,
      queue,
      attempt: job.attemptsMade + 1,
      signal: combined,
      async progress(value) {
        if (combined.aborted) return;
        entry.progress = value;
        await job.updateProgress(value);
      },
      async log(line) {
        if (combined.aborted) return;
        await job.log(String(line));
        // BullMQ has no event for log lines; one in the queue's own stream lets the console show them live.
        await command.xadd(bullKey(queue, 'events'), 'MAXLEN', '~', '10000', '*', 'event', 'log', 'jobId', job.id!);
      },
    };
    // The job page's timeline: BullMQ keeps no per-attempt times, so each attempt is recorded (in the job's own hash).
    const attemptDone = (outcome: AttemptOutcome, error?: string) =>
      recordAttempt(command, queue, job.id!, { attempt: ctx.attempt, startedAt: entry.startedAt, finishedAt: Date.now(), outcome, error, worker: id }).catch(
        (err: Error) => logger.debug('could not record attempt', { jobId: job.id, error: err.message }),
      );
    try {
      const aborted = new Promise<never>((_, reject) => {
        const onAbort = () => reject(combined.reason ?? new Error('aborted'));
        if (combined.aborted) onAbort();
        else combined.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => {}); // handled below when it wins the race
      const result = await Promise.race([Promise.resolve(task.handler(parsed.data, ctx)), aborted]);
      processed++;
      await Promise.all([endRun({ state: 'completed', final: true }), attemptDone('completed')]);
      return result === undefined ? null : result;
    } catch (err) {
      if (entry.requeue.signal.aborted) {
        // Shutdown ran out of time: hand the job back instead of failing it.
        await attemptDone('requeued');
        await job.moveToWait(token);
        unsettled.delete(runKey(queue, job.id!));
        throw new WaitingError();
      }
      failed++;
      const final = cancel.aborted || err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const message = cancel.aborted ? 'cancelled' : ((err as Error)?.message ?? String(err));
      await Promise.all([endRun({ state: 'failed', error: message, final }), attemptDone(cancel.aborted ? 'cancelled' : 'failed', message)]);
      if (cancel.aborted) throw new UnrecoverableError(typeof cancel.reason === 'string' ? cancel.reason : 'cancelled');
      throw err;
    } finally {
      running.delete(runKey(queue, job.id!));
    }
  };

  const workers = queues.map((queue) => {
    // BullMQ does not close a connection it was given; we keep it to close it ourselves.
    const connection = createRedis('blocking');
    outage.watch(connection);
    const w = new Worker(queue, processor(queue), {
      connection,
      prefix,
      concurrency: opts.concurrency,
      // Per-minute completed/failed counts for the dashboard's history.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      autorun: false,
    });
    w.on('error', (err) => outage.report('worker error', err, { queue }));
    // Both are emitted only once BullMQ has written the outcome (a retry's move to delayed counts).
    w.on('failed', (job, err) => {
      if (!job) return;
      unsettled.delete(runKey(queue, job.id!));
      logger.info('job failed', { queue, task: job.name, jobId: job.id, error: err.message });
    });
    w.on('completed', (job) => {
      unsettled.delete(runKey(queue, job.id!));
      logger.debug('job completed', { queue, task: job.name, jobId: job.id });
    });
    // A job whose lock was lost is no longer this worker's to settle (stall detection has it): forget it.
    w.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) unsettled.delete(runKey(queue, jobId));
    });
    return { queue, worker: w, connection };
  });

  const heartbeat = (): Heartbeat => ({
    id,
    host,
    pid: process.pid,
    queues,
    tasks: tasks.map((t) => t.name),
    concurrency,
    running: [...running.values()].map(({ queue, jobId, task, startedAt: s, progress }) => ({ queue, jobId, task, startedAt: s, progress })),
    processed,
    failed,
    startedAt,
    lastSeen: Date.now(),
    version: opts.version,
    state,
    ttlMs: opts.heartbeatMs * 3,
  });
  // One write at a time: while Redis is away a write waits for a reconnect, and beats
  // queued behind it would all fail together (and be logged together) when it gives up.
  // A beat asked for meanwhile runs once after it, so a state change is still published.
  let beating: Promise<void> | undefined;
  let beatAgain = false;
  const beat = (): Promise<void> => {
    if (beating) {
      beatAgain = true;
      return beating;
    }
    beating = (async () => {
      do {
        beatAgain = false;
        await writeHeartbeat(command, heartbeat()).then(
          () => outage.succeeded(),
          (err: Error) => void outage.report('heartbeat failed', err),
        );
      } while (beatAgain);
    })().finally(() => {
      beating = undefined;
    });
    return beating;
  };

  // Control channel: cancel a job this process holds; pause, resume, concurrency and shutdown addressed to this worker.
  await subscriber.subscribe(celerityKeys().control);
  subscriber.on('message', (_channel, message) => {
    let parsed;
    try {
      parsed = controlMessageSchema.safeParse(JSON.parse(message));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'cancel') {
      const w = workers.find((x) => x.queue === msg.queue);
      if (w?.worker.cancelJob(msg.jobId, msg.reason)) logger.info('job cancelled', { queue: msg.queue, jobId: msg.jobId });
      return;
    }
    if (msg.workerId !== id) return;
    void obey(msg).then(
      (ack) => writeAck(command, ack),
      (err: Error) => logger.warn('control command failed', { command: msg.type, error: err.message }),
    );
  });

  /** Carry out a command addressed to this worker; the answer says what state it left the worker in. */
  const obey = async (msg: WorkerCommand): Promise<ControlAck> => {
    const answer = (ok: boolean, error?: string): ControlAck => ({
      requestId: msg.requestId,
      workerId: id,
      command: msg.type,
      ok,
      error,
      state,
      concurrency,
      at: Date.now(),
    });
    if (state === 'stopping') {
      // Already on its way out: a second shutdown changes nothing (and must not look like a second signal).
      return msg.type === 'shutdown' ? answer(true) : answer(false, 'the worker is shutting down');
    }
    switch (msg.type) {
      case 'pause':
        // Stop fetching now; jobs already running finish (not awaited: the console waits for this answer).
        state = 'paused';
        await Promise.all(workers.map(({ worker }) => worker.pause(true)));
        // A fetch blocked on an empty queue would still take the next job that arrives: wake it now, while
        // there is nothing to take (a marker is how BullMQ itself wakes workers). One that slips through is handed back above.
        await Promise.all(workers.map(({ queue }) => command.zadd(bullKey(queue, 'marker'), 0, '0')));
        logger.info('paused from the console: taking no new jobs', { running: running.size });
        break;
      case 'resume':
        await Promise.all(workers.map(({ worker }) => worker.resume()));
        state = 'running';
        logger.info('resumed from the console');
        break;
      case 'concurrency':
        for (const { worker } of workers) worker.concurrency = msg.concurrency;
        concurrency = msg.concurrency;
        logger.info('concurrency changed from the console', { concurrency });
        break;
      case 'shutdown':
        logger.info('shutdown requested from the console');
        state = 'stopping';
        // Answer first: the stop below waits for running jobs, and the console waits for this answer.
        setImmediate(() => {
          if (opts.onShutdownRequested) opts.onShutdownRequested();
          else void handle.self?.stop();
        });
        break;
    }
    await beat();
    return answer(true);
  };

  await publishCatalogue(command, tasks, id);
  await beat();
  const timer = setInterval(beat, opts.heartbeatMs);
  timer.unref();
  // Schedules: code ones stored, then BullMQ brought in line with every definition (only what changed).
  if (opts.schedules?.length) await syncCodeSchedules(command, opts.schedules, logger);
  const reconciled = await reconcileSchedules(command);
  if (reconciled.applied.length) logger.info('schedules applied', { names: reconciled.applied });
  const watchdogMs = opts.watchdogMs ?? 1000;
  const watchdog =
    watchdogMs > 0
      ? setInterval(() => {
          watchdogPass(command).then(
            (names) => names.length && logger.warn('watchdog restored schedules whose next job was lost', { names }),
            (err: Error) => logger.debug('watchdog pass failed', { error: err.message }),
          );
        }, watchdogMs)
      : undefined;
  watchdog?.unref();
  const stoppedWhileStarting = opts.stopRequested?.aborted === true;
  if (stoppedWhileStarting) {
    state = 'stopping';
    logger.info('shutdown requested while starting: taking no jobs');
  } else {
    for (const { worker } of workers) {
      void worker.run().catch((err: Error) => logger.error('worker stopped', { error: err.message }));
    }
  }
  await Promise.all(workers.map(({ worker }) => worker.waitUntilReady()));
  // Delayed jobs (a schedule's next run among them) start on their millisecond, whatever Redis's hz.
  const pacers = queues.map((queue) => {
    const q = new Queue(queue, { connection: command, prefix });
    // Without a listener BullMQ prints every connection error of this Queue to the console, stack and all.
    q.on('error', (err) => outage.report('delay pacer', err, { queue }));
    const pacer = startDelayPacer(q, {
      redis: command,
      isActive: () => state === 'running',
      onError: (err) => logger.debug('delay pacer', { queue, error: err.message }),
    });
    return { stop: () => pacer.stop().then(() => q.close()) };
  });
  if (!stoppedWhileStarting) logger.info('worker ready', { id, queues, tasks: tasks.map((t) => t.name), concurrency: opts.concurrency });

  const self: RunningWorker = {
    id,
    queues,
    state: () => state,
    stop() {
      stopping ??= (async (): Promise<StopReport> => {
        state = 'stopping';
        clearInterval(watchdog);
        const reachable = outage.reachable();
        // Not awaited first: a pacer waiting on an unreachable Redis must not hold the workers' close back.
        const pacersStopped = Promise.all(pacers.map((p) => p.stop()));
        // close() stops fetching at once and resolves when active jobs have finished (or were handed back).
        // With Redis away and nothing running there is nothing to wait for, and a graceful close would
        // wait for the fetching connection to end cleanly, which it does not do while it reconnects.
        const force = !reachable && running.size === 0;
        const closed = Promise.all(workers.map(({ worker }) => worker.close(force)));
        logger.info('stopping: no new jobs; waiting for running ones', { running: running.size, timeoutMs: opts.shutdownTimeoutMs });
        if (!reachable) {
          logger.warn(
            running.size
              ? 'Redis is unreachable: running jobs may finish, but their results are recorded only if Redis is back before the timeout'
              : 'Redis is unreachable: closing without it',
            { running: running.size },
          );
        }
        void beat();
        let done = await settlesWithin(opts.shutdownTimeoutMs, closed);
        if (!done) {
          logger.warn('shutdown timeout: handing running jobs back to their queues', { running: running.size });
          for (const r of running.values()) r.requeue.abort('shutdown');
          done = await settlesWithin(HANDBACK_GRACE_MS, closed);
        }
        clearInterval(timer);
        const leftBehind = [...unsettled.values()];
        if (leftBehind.length) {
          logger.error('jobs left active: their outcome could not be written to Redis; stall detection will run them again', {
            jobs: leftBehind.map((j) => `${j.queue}/${j.jobId}`),
          });
        } else if (!done) {
          // Every job is settled; only BullMQ's own closing hangs (a connection that never ends while it reconnects).
          logger.debug('worker connections did not close in time: cutting them');
        }
        const all = [...workers.map(({ connection }) => connection), subscriber, command];
        let heartbeatCleared = false;
        if (outage.reachable() && command.status === 'ready') {
          await settlesWithin(
            CLOSE_GRACE_MS,
            (async () => {
              await pacersStopped;
              // Cleared after the last beat: one still under way would write it back.
              await beating;
              await clearHeartbeat(command, id);
              heartbeatCleared = true;
              await Promise.all(all.map((c) => c.quit().catch(() => {})));
            })().catch(() => {}),
          );
        }
        if (!heartbeatCleared) {
          logger.warn('Redis unreachable: heartbeat not cleared; it expires on its own', { expiresInMs: opts.heartbeatMs * 3 });
        }
        // Whatever is not closed by now is cut: quit() waits for a reply, and there may be none coming.
        for (const c of all) if (c.status !== 'end') c.disconnect();
        const report: StopReport = { clean: leftBehind.length === 0, leftBehind, redisUnreachable: !heartbeatCleared };
        logger.info('worker stopped', { id, processed, failed, clean: report.clean });
        return report;
      })();
      return stopping;
    },
  };
  handle.self = self;
  return self;
}
