import { Job, Queue } from 'bullmq';
import type { RedisConnection } from '../redis';
import { bullKey, celerityKeys } from '../keys';
import { bullQueueName } from '../queue/queue-names';
import type { Logger } from '../logger';
import { heartbeatSchema, type Heartbeat } from './heartbeat-schema';
import { LOST_RETENTION_MS } from './heartbeat';
import { lateAfterMs } from './lock-fence';
import { hasConnection, listConnectionNames } from './connection-names';

/** How often a worker looks for dead workers: one cheap read (a range of the workers' set) per look. */
export const RECOVERY_INTERVAL_MS = 2000;
/** Workers silent for longer were dealt with already (by this duty, or by BullMQ's stall detection since). */
const RECENT_MS = 10 * 60_000;
/**
 * Fast recoveries of one job at most: a job that kills every worker that runs
 * it (a poison pill) is then left to BullMQ's stall detection, whose
 * `maxStalledCount` fails it.
 */
export const MAX_FAST_RECOVERIES = 3;
/** Field of the job's hash counting its fast recoveries. */
const RECOVERIES_FIELD = 'celerityRecoveries';

export interface DeadWorkerRecoveryOptions {
  command: RedisConnection;
  prefix: string;
  /** This worker (never judged by itself). */
  selfId: string;
  /** This worker's heartbeat interval: a worker whose last heartbeat is older is looked at closely. */
  heartbeatMs: number;
  /** This worker's queues, and whether it holds a job (for jobs taken just as Redis went away: see {@link afterOutage}). */
  ownQueues?: readonly string[];
  holds?: (queue: string, jobId: string) => boolean;
  logger: Logger;
  /** Who is connected: one function, so a Cluster asks every node (see connection-names.ts). */
  listNames?: (redis: RedisConnection) => Promise<string[]>;
}

/** A worker whose heartbeat is late, with the queues it served. */
interface Late {
  id: string;
  score: number;
  queues: string[];
}

function parse(json: string | null): Heartbeat | undefined {
  if (!json) return undefined;
  try {
    return heartbeatSchema.safeParse(JSON.parse(json)).data;
  } catch {
    return undefined;
  }
}

/**
 * Gives a dead worker's jobs back to their queues at once, instead of after
 * BullMQ's lock and stall windows (up to a minute with the defaults). A worker
 * is dead when its heartbeat is late — older than 2 of its intervals (at
 * least 3 s) by Redis's clock, read from the remaining life of the day-long
 * copy of its heartbeat — and Redis lists no
 * connection of it: a killed process's sockets close at once. A worker that
 * is merely silent (event loop blocked, or cut off while its sockets stay
 * open) keeps BullMQ's lock semantics.
 *
 * Every live worker runs it (no console needed, nothing to elect): it is
 * idempotent, since a job moves back only with the dead worker's lock token
 * (`job.moveToWait(token)`, BullMQ's own script, which refuses once the lock
 * changed hands). Per queue and per key, never a command across queues, so it
 * runs unchanged on a Redis Cluster.
 */
export class DeadWorkerRecovery {
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  /** Workers swept already, with the heartbeat score they were swept at (a new score is a new life). */
  private readonly swept = new Map<string, number>();
  /** Looks left that also search for this worker's own orphans. */
  private orphanLooks = 0;
  /** Orphans seen at the previous look (`queue/jobId` → lock token): moved back when seen twice. */
  private suspects = new Map<string, string>();

  constructor(private readonly opts: DeadWorkerRecoveryOptions) {}

  start(intervalMs = RECOVERY_INTERVAL_MS): void {
    this.timer = setInterval(() => void this.look(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look (not two at once); resolves with nothing, logs what it did. Public for tests. */
  look(): Promise<void> {
    this.looking ??= this.pass()
      .catch((err: Error) => this.opts.logger.debug('dead worker look failed', { error: err.message }))
      .finally(() => (this.looking = undefined));
    return this.looking;
  }

  /**
   * Redis is back after an outage: a job this worker took just as Redis went
   * (the take ran, its answer was lost) is active in Redis under this worker's
   * name, locked, and no handler runs it; BullMQ would leave it to stall
   * detection (up to a minute). The next few looks move such jobs back.
   */
  afterOutage(): void {
    this.orphanLooks = 3;
  }

  private async pass(): Promise<void> {
    if (this.orphanLooks > 0) {
      this.orphanLooks--;
      await this.adoptOrphans();
    }
    const late = await this.lateWorkers();
    if (!late.length) return;
    const names = await (this.opts.listNames ?? listConnectionNames)(this.opts.command);
    for (const w of late) {
      if (hasConnection(names, w.id)) continue;
      const moved = await this.sweep(w);
      this.swept.set(w.id, w.score);
      if (moved.length) this.opts.logger.warn('dead worker: its jobs are back in their queues', { worker: w.id, jobs: moved });
    }
  }

  /** Workers (other than this one, not swept in this life) whose heartbeat is late ({@link lateAfterMs}). */
  private async lateWorkers(): Promise<Late[]> {
    const { command, selfId, heartbeatMs } = this.opts;
    const keys = celerityKeys(this.opts.prefix);
    const now = Date.now();
    // The cheap part, every look: who has not beaten for an interval (by the writers' clocks, so only a filter).
    const raw = await command.zrangebyscore(keys.workers, now - RECENT_MS, now - heartbeatMs, 'WITHSCORES');
    const seen: { id: string; score: number }[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const id = raw[i]!;
      const score = Number(raw[i + 1]);
      if (id !== selfId && this.swept.get(id) !== score) seen.push({ id, score });
    }
    if (!seen.length) return [];
    // The day-long copy of each heartbeat: its remaining life says how long ago it was written, by Redis's clock (no skew).
    const pipe = command.pipeline();
    for (const { id } of seen) pipe.get(keys.workerLast(id)).pttl(keys.workerLast(id));
    const replies = (await pipe.exec()) ?? [];
    const late: Late[] = [];
    seen.forEach(({ id, score }, i) => {
      const last = parse(replies[i * 2]?.[1] as string | null);
      const pttl = replies[i * 2 + 1]?.[1] as number;
      if (!last || pttl < 0) return void this.swept.set(id, score);
      if (LOST_RETENTION_MS - pttl > lateAfterMs(last.ttlMs / 3)) late.push({ id, score, queues: last.queues });
    });
    return late;
  }

  /** Active jobs under this worker's name that it does not hold, seen at two looks in a row (a fetch in flight is held by the next). */
  private async adoptOrphans(): Promise<void> {
    const { ownQueues = [], holds, selfId, logger } = this.opts;
    if (!holds) return;
    const seen = new Map<string, string>();
    for (const queue of ownQueues) {
      for (const { jobId, token } of await this.heldBy(queue, selfId)) {
        if (holds(queue, jobId)) continue;
        const key = `${queue}/${jobId}`;
        if (this.suspects.get(key) !== token) seen.set(key, token);
        else if (await this.moveBack(queue, jobId, token)) logger.warn('job taken as Redis went away, never run: back in its queue', { queue, jobId });
      }
    }
    this.suspects = seen;
  }

  /** Move back every active job of `w` whose lock it still holds; returns them as `queue/id`. */
  private async sweep(w: Late): Promise<string[]> {
    const moved: string[] = [];
    for (const queue of w.queues) {
      for (const { jobId, token } of await this.heldBy(queue, w.id)) {
        if (await this.moveBack(queue, jobId, token)) moved.push(`${queue}/${jobId}`);
      }
    }
    return moved;
  }

  /** The active jobs of `queue` taken by worker `id` (BullMQ writes the worker's name into `pb`) and still locked. */
  private async heldBy(queue: string, id: string): Promise<{ jobId: string; token: string }[]> {
    const { command, prefix } = this.opts;
    const active = await command.lrange(bullKey(queue, 'active', prefix), 0, -1);
    if (!active.length) return [];
    const pipe = command.pipeline();
    for (const jobId of active) pipe.hget(bullKey(queue, jobId, prefix), 'pb').get(bullKey(queue, `${jobId}:lock`, prefix));
    const replies = (await pipe.exec()) ?? [];
    const held: { jobId: string; token: string }[] = [];
    active.forEach((jobId, i) => {
      const pb = replies[i * 2]?.[1];
      const token = replies[i * 2 + 1]?.[1];
      if (pb === id && typeof token === 'string') held.push({ jobId, token });
    });
    return held;
  }

  /** Back to waiting with the dead worker's token (refused if the lock changed hands meanwhile). */
  private async moveBack(queue: string, jobId: string, token: string): Promise<boolean> {
    const { command, prefix, logger } = this.opts;
    const count = await command.hincrby(bullKey(queue, jobId, prefix), RECOVERIES_FIELD, 1);
    if (count > MAX_FAST_RECOVERIES) {
      logger.warn('job recovered fast too often: left to stall detection', { queue, jobId, recoveries: count - 1 });
      return false;
    }
    const q = new Queue(bullQueueName(queue), { connection: command, prefix, skipMetasUpdate: true });
    try {
      const job = await Job.fromId(q, jobId);
      if (!job) return false;
      await job.moveToWait(token);
      return true;
    } catch (err) {
      logger.debug('dead worker job not moved (taken over meanwhile?)', { queue, jobId, error: (err as Error).message });
      return false;
    } finally {
      await q.close();
    }
  }
}
