import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisConnection } from '../redis';
import { env } from '../env';
import { createRedis } from '../redis';
import { checkConfiguredRedis } from '../redis-preflight';
import { bullQueueName } from '../queue/queue-names';
import type { TaskRegistry } from '../registry/task-registry';
import { publishCatalogue } from '../registry/catalogue';
import { publishWorkflows } from '../workflows/workflow-catalogue';
import type { Heartbeat } from './heartbeat';
import type { Logger } from '../logger';
import type { CodeSchedule } from '../scheduler/define-schedule';
import { startDelayPacer } from './delay-pacer';
import { createRedisOutage, type RedisOutage } from './redis-outage';
import { WorkerStatus } from './worker-status';
import { JobTracker } from './job-tracker';
import { JobProcessor } from './job-processor';
import { QueueWorkers } from './queue-workers';
import { HeartbeatLoop } from './heartbeat-loop';
import { WorkerCommands } from './worker-commands';
import { listenForControl } from './control-listener';
import { startScheduleUpkeep } from './schedule-upkeep';
import { ShutdownSequence, type StopReport } from './shutdown-sequence';
import type { BenchOff } from './bench-off';
import { LOCK_DEFAULTS, type LockSettings } from './lock-settings';
import { LOCK_LOST, LockFence } from './lock-fence';
import { workerConnectionName } from './connection-names';
import { DeadWorkerRecovery } from './dead-worker-recovery';
import { LiveOverrides } from '../limits/live-overrides';
import type { CodeAlert } from '../alerts/define-alert';
import { syncCodeAlerts } from '../alerts/code-alerts';

// Kept importable from here: the process entry, scripts and tests know them by this module.
export { stopDeadlineMs, type StopReport } from './shutdown-sequence';

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
  /** Alert rules declared in code (defineAlert), stored when the worker starts; the consoles evaluate them. */
  alerts?: readonly CodeAlert[];
  /** How often the schedule watchdog looks for schedules whose next job was lost; 0 turns it off. */
  watchdogMs?: number;
  /** BullMQ's lock duration and stall-check interval (default: BullMQ's, 30 s each). */
  lock?: LockSettings;
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
  /** Bench only (bench/worker-throughput.ts): features turned off to measure what each costs. */
  benchOff?: BenchOff;
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

/** Who this worker is and what it runs (fixed for its life). */
interface Identity {
  id: string;
  host: string;
  queues: string[];
  taskNames: string[];
}

function identify(opts: StartWorkerOptions): Identity & { tasks: StartWorkerOptions['registry']['tasks'] } {
  const host = opts.hostname ?? os.hostname();
  const queues = opts.queues?.length ? [...new Set(opts.queues)] : opts.registry.queues();
  const tasks = opts.registry.tasks.filter((t) => queues.includes(t.queue));
  return { id: `${host}:${process.pid}:${randomUUID().slice(0, 8)}`, host, queues, tasks, taskNames: tasks.map((t) => t.name) };
}

/** The heartbeat as of now: identity, state, what runs and the counters. */
function heartbeatOf(me: Identity, opts: StartWorkerOptions, status: WorkerStatus, tracker: JobTracker, startedAt: number): () => Heartbeat {
  return () => ({
    id: me.id,
    host: me.host,
    pid: process.pid,
    queues: me.queues,
    tasks: me.taskNames,
    concurrency: status.concurrency,
    running: tracker.runningForHeartbeat(),
    processed: tracker.processed,
    failed: tracker.failed,
    startedAt,
    lastSeen: Date.now(),
    version: opts.version,
    state: status.state,
    ttlMs: opts.heartbeatMs * 3,
  });
}

interface PacerContext {
  queues: readonly string[];
  command: RedisConnection;
  prefix: string;
  status: WorkerStatus;
  outage: RedisOutage;
  logger: Logger;
}

/** Delayed jobs (a schedule's next run among them) start on their millisecond, whatever Redis's hz. Returns what stops them. */
function startPacers({ queues, command, prefix, status, outage, logger }: PacerContext): () => Promise<unknown> {
  const pacers = queues.map((queue) => {
    const q = new Queue(bullQueueName(queue), { connection: command, prefix });
    // Without a listener BullMQ prints every connection error of this Queue to the console, stack and all.
    q.on('error', (err) => outage.report('delay pacer', err, { queue }));
    const pacer = startDelayPacer(q, {
      redis: command,
      isActive: () => status.state === 'running',
      onError: (err) => logger.debug('delay pacer', { queue, error: err.message }),
    });
    return { stop: () => pacer.stop().then(() => q.close()) };
  });
  return () => Promise.all(pacers.map((p) => p.stop()));
}

/** A worker's parts, created and wired but not started. */
interface WorkerParts {
  me: Identity;
  command: RedisConnection;
  subscriber: RedisConnection;
  outage: RedisOutage;
  status: WorkerStatus;
  tracker: JobTracker;
  workers: QueueWorkers;
  heartbeat: HeartbeatLoop;
  fence: LockFence;
  overrides: LiveOverrides;
}

function createParts(opts: StartWorkerOptions, me: Identity, prefix: string): WorkerParts {
  const { registry, logger } = opts;
  // Named after this worker, so others can tell from CLIENT LIST whether it still has a connection (dead-worker-recovery.ts).
  const connectionName = workerConnectionName(prefix, me.id);
  const command: RedisConnection = createRedis('command', undefined, { connectionName });
  const subscriber: RedisConnection = createRedis('blocking', undefined, { connectionName });
  // Every connection's failures go through here: one line per outage, not one per connection per retry.
  const outage = createRedisOutage(logger);
  outage.watch(command);
  outage.watch(subscriber);
  const status = new WorkerStatus(opts.concurrency);
  const tracker = new JobTracker();
  const off = opts.benchOff ?? {};
  const lock = opts.lock ?? LOCK_DEFAULTS;
  const late: { heartbeat?: HeartbeatLoop } = {};
  const fence = new LockFence({
    lockDurationMs: lock.lockDurationMs,
    heartbeatMs: off.heartbeat ? undefined : opts.heartbeatMs,
    onLost: (queue, jobId) => tracker.lose(queue, jobId, LOCK_LOST),
    beat: () => late.heartbeat?.beat() ?? Promise.resolve(),
  });
  const overrides = new LiveOverrides({ redis: command, throttleOf: (task) => registry.get(task)?.throttle, logger });
  const processor = new JobProcessor({ registry, command, logger, workerId: me.id, tracker, status, benchOff: off, fence, overrides });
  const processorFor = (queue: string) => processor.forQueue(queue);
  const workers = new QueueWorkers({
    name: off.attempts ? undefined : me.id,
    metrics: !off.metrics,
    lock,
    fence,
    connectionName,
    queues: me.queues,
    prefix,
    concurrency: opts.concurrency,
    processorFor,
    tracker,
    outage,
    logger,
  });
  const heartbeat = new HeartbeatLoop(command, heartbeatOf(me, opts, status, tracker, Date.now()), outage, (sentAt) => fence.heartbeatWritten(sentAt));
  late.heartbeat = heartbeat;
  return { me, command, subscriber, outage, status, tracker, workers, heartbeat, fence, overrides };
}

/**
 * Listen to the console: cancels and this worker's commands. Opened before the
 * rest of start-up, so a command may arrive while it runs; a shutdown asked for
 * then reaches `late.shutdown` only once it exists (the process entry's own
 * shutdown path waits for start-up anyway).
 */
function openControl(parts: WorkerParts, opts: StartWorkerOptions, late: { shutdown?: ShutdownSequence }): Promise<void> {
  const { me, subscriber, command, status, workers, tracker, heartbeat, overrides } = parts;
  const { logger } = opts;
  const commands = new WorkerCommands({
    workerId: me.id,
    status,
    workers,
    tracker,
    command,
    logger,
    beat: () => heartbeat.beat(),
    requestShutdown: () => (opts.onShutdownRequested ? opts.onShutdownRequested() : void late.shutdown?.run()),
  });
  const cancel = (queue: string, jobId: string, reason: string) => workers.cancelJob(queue, jobId, reason);
  // A task's override changed (the console publishes it), or the subscriber reconnected (a message may be lost): re-read.
  const overridesChanged = () => void overrides.refresh();
  subscriber.on('ready', overridesChanged);
  return listenForControl(subscriber, command, { workerId: me.id, cancel, obey: (msg) => commands.obey(msg), overridesChanged }, logger);
}

/**
 * The lock fence, and the duty every live worker shares: giving a dead
 * worker's jobs back to their queues (none without heartbeats: bench only).
 */
function startRecovery(parts: WorkerParts, opts: StartWorkerOptions, prefix: string): DeadWorkerRecovery | undefined {
  parts.fence.start();
  if (opts.benchOff?.heartbeat) return undefined;
  const { command, me, tracker } = parts;
  const recovery = new DeadWorkerRecovery({
    command,
    prefix,
    selfId: me.id,
    heartbeatMs: opts.heartbeatMs,
    logger: opts.logger,
    ownQueues: me.queues,
    holds: (queue, jobId) => tracker.holds(queue, jobId),
  });
  // Connected at start already: a 'ready' from now on is a reconnection.
  command.on('ready', () => recovery.afterOutage());
  recovery.start();
  return recovery;
}

/**
 * Run the tasks of a registry: one BullMQ Worker per queue, a heartbeat and
 * catalogue in Redis, and a control channel for cancels and the console's
 * commands. Framework-free, so tests can run it in-process and
 * `worker/main.ts` in its own process. The parts, each in its own module: the
 * job processor, the queue workers, the heartbeat loop, the control listener
 * and the commands it carries out, the schedule upkeep, the shutdown sequence.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const { logger } = opts;
  // A REDIS_URL of the wrong kind (redis:// at a cluster node, redis+cluster:// at a plain Redis) stops here, named.
  for (const warning of (await checkConfiguredRedis()).warnings) logger.warn(warning);
  const me = identify(opts);
  const { id, queues } = me;
  const prefix = env().CELERITY_PREFIX;
  const parts = createParts(opts, me, prefix);
  const { command, status, workers, heartbeat } = parts;
  const late: { shutdown?: ShutdownSequence } = {};
  await openControl(parts, opts, late);

  const off = opts.benchOff ?? {};
  await publishCatalogue(command, me.tasks, id);
  // wf-core: the workflows whose queue this worker takes jobs from (their start and fan-out jobs run here).
  await publishWorkflows(
    command,
    (opts.registry.workflows ?? []).filter((w) => queues.includes(w.queue)),
    id,
  );
  // Known before the first job is taken: a paused task's jobs are held from the start.
  await parts.overrides.start();
  if (!off.heartbeat) {
    await heartbeat.beat();
    heartbeat.start(opts.heartbeatMs);
  }
  const upkeep = off.schedules ? { stop: () => {} } : await startScheduleUpkeep(command, opts.schedules, opts.watchdogMs ?? 1000, logger);
  // alerts: code rules stored like code schedules (unchanged ones are not rewritten).
  if (opts.alerts?.length) await syncCodeAlerts(command, opts.alerts, logger);
  const recovery = startRecovery(parts, opts, prefix);
  const stoppedWhileStarting = opts.stopRequested?.aborted === true;
  if (stoppedWhileStarting) {
    status.state = 'stopping';
    logger.info('shutdown requested while starting: taking no jobs');
  } else {
    workers.run();
  }
  await workers.waitUntilReady();
  const stopPacers = off.schedules ? async () => {} : startPacers({ queues, command, prefix, status, outage: parts.outage, logger });
  if (!stoppedWhileStarting) logger.info('worker ready', { id, queues, tasks: me.taskNames, concurrency: opts.concurrency });

  const shutdown = new ShutdownSequence({
    ...parts,
    id,
    logger,
    shutdownTimeoutMs: opts.shutdownTimeoutMs,
    heartbeatMs: opts.heartbeatMs,
    stopUpkeep: () => {
      upkeep.stop();
      recovery?.stop();
      parts.fence.stop();
      parts.overrides.stop();
    },
    stopPacers,
  });
  late.shutdown = shutdown;
  return { id, queues, state: () => status.state, stop: () => shutdown.run() };
}
