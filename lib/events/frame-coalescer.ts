import { getJobDto } from '../data/job-dto';
import { getQueueCounts, type QueueCounts } from '../data/queue-dto';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { rooms, type DashboardDelta, type ServerToClient, type WorkersFrame } from './contract';
import { entryField, type StreamEntry } from './stream-entries';

/** Where the relay sends frames; server.ts backs it with Socket.IO. Keeps lib/ free of Socket.IO. */
export interface RelaySink {
  emit<E extends keyof ServerToClient>(room: string | null, event: E, payload: Parameters<ServerToClient[E]>[0]): void;
  /** How many clients watch a room (0: nobody, skip the work). */
  roomSize(room: string): number;
  /** The rooms with at least one member (to find a hot queue's watched jobs); optional. */
  rooms?(): Iterable<string>;
}

/** What the dashboard room's frames carry besides the counts; the relay backs it with the periodic sources. */
export interface DashboardFeed {
  /** The figures that changed since the last dashboard frame (undefined: none). Only asked while someone watches. */
  delta(now: number): Promise<DashboardDelta | undefined>;
  /** Nobody watches the dashboard: drop what waits to be sent (each source keeps what later pages need). */
  drop(): void;
  /** Some queue's state may have changed unseen (hot, events missed): its lists are re-read too. */
  stale(): void;
}

export interface FrameCoalescerOptions {
  sink: RelaySink;
  logger: Logger;
  dashboard: DashboardFeed;
  /** The workers frame to send, if the heartbeats changed since the last one. */
  takeWorkers(): WorkersFrame | undefined;
  /** Whether Redis is up: while it is down no frame is built (its reads would fail). */
  redisUp(): boolean;
  /** Pause between the end of one frame and the start of the next; see EventRelay's `frameMs`. */
  frameMs?: number;
  /** Least time between two resyncs caused by the stream. */
  resyncMinMs?: number;
}

/** How often a hot queue's state (counts, watched jobs, dashboard lists) is re-read. */
const HOT_REFRESH_MS = 250;
/** Watched jobs read at once in a frame. */
const JOB_READS_AT_ONCE = 16;

/**
 * Turns "what changed" into frames, keyed by room. Each frame interval, per
 * room: each watched job that changed is read once and sent to its own room
 * only; the counts of changed queues go out in one frame to the queue rooms
 * and the dashboard. So ≤ 10 frames per second per room whatever the event
 * rate, and the Redis reads behind a frame are made once for all its clients.
 */
export class FrameCoalescer {
  private readonly dirtyJobs = new Map<string, { queue: string; id: string }>();
  private readonly dirtyQueues = new Set<string>();
  private readonly hot = new Set<string>();
  private lastHotRefresh = 0;
  private lastResync = 0;
  /** A stream-caused resync to send as the next frame (instead of that frame: one frame per interval). */
  private pendingResync: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private flushing = false;
  private readonly frameMs: number;
  private readonly resyncMinMs: number;

  constructor(private readonly opts: FrameCoalescerOptions) {
    this.frameMs = opts.frameMs ?? 110;
    this.resyncMinMs = opts.resyncMinMs ?? 5000;
  }

  /** Send frames every `frameMs` until stopped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Each flush schedules the next one after it ends: a slow flush then delays the
    // following frame instead of two frames going out back to back (≤ 10/s holds).
    const loop = async () => {
      await this.flush();
      if (this.running) this.timer = setTimeout(loop, this.frameMs);
    };
    this.timer = setTimeout(loop, this.frameMs);
  }

  /** No more frames (one under way still goes out). */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Note what a batch of stream entries changed. Job rooms are looked up now: jobs nobody watches are not even kept. */
  take(queue: string, entries: readonly StreamEntry[]): void {
    this.dirtyQueues.add(queue);
    const watched = this.watchedJobs(queue);
    if (watched.size === 0) return;
    for (const [, fields] of entries) {
      const jobId = entryField(fields, 'jobId');
      if (typeof jobId === 'string' && watched.has(jobId)) this.dirtyJobs.set(`${queue}\u0000${jobId}`, { queue, id: jobId });
    }
  }

  /** The queue's counts go out with the next frame (e.g. after an action on it, or when it is new). */
  touchQueue(queue: string): void {
    this.dirtyQueues.add(queue);
  }

  /** Everything about the queue is re-read for the next frame: counts, its watched jobs, the dashboard lists. */
  markQueue(queue: string): void {
    this.dirtyQueues.add(queue);
    this.opts.dashboard.stale();
    for (const id of this.watchedJobIds(queue) ?? []) this.dirtyJobs.set(`${queue}\u0000${id}`, { queue, id });
  }

  /** After Redis came back: every queue and every watched job is re-read for the next frame. */
  markAll(queues: Iterable<string>): void {
    for (const q of queues) this.dirtyQueues.add(q);
    for (const room of this.opts.sink.rooms?.() ?? []) {
      const m = /^job:([^:]+):(.+)$/.exec(room);
      if (m) this.dirtyJobs.set(`${m[1]}\u0000${m[2]}`, { queue: m[1]!, id: m[2]! });
    }
  }

  /** A hot queue's state is re-read every HOT_REFRESH_MS (its events are not read); the first re-read comes with the next frame. */
  setHot(queue: string, hot: boolean): void {
    if (!hot) {
      this.hot.delete(queue);
      return;
    }
    this.hot.add(queue);
    this.lastHotRefresh = 0;
  }

  /** A stream-caused resync, at most once per `resyncMinMs`; it goes out as the next frame. */
  resync(reason: string): void {
    const now = Date.now();
    if (now - this.lastResync < this.resyncMinMs) return;
    this.lastResync = now;
    this.opts.logger.info('asking pages to resync', { reason });
    this.pendingResync = reason;
  }

  /**
   * Ids of the queue's jobs that someone watches, once per batch: at thousands of
   * events a second, a room lookup per event was the relay's largest cost, and
   * usually nobody watches any job.
   */
  private watchedJobs(queue: string): { size: number; has(id: string): boolean } {
    const { sink } = this.opts;
    return this.watchedJobIds(queue) ?? { size: 1, has: (id) => sink.roomSize(rooms.job(queue, id)) > 0 };
  }

  /** Ids of the queue's jobs whose rooms have members; undefined when the sink cannot list its rooms. */
  private watchedJobIds(queue: string): Set<string> | undefined {
    const { sink } = this.opts;
    if (!sink.rooms) return undefined;
    const head = rooms.job(queue, '');
    const ids = new Set<string>();
    for (const room of sink.rooms()) if (room.startsWith(head)) ids.add(room.slice(head.length));
    return ids;
  }

  /** One frame interval's work: a pending resync alone, or the job, workers and counts frames. */
  private async flush(): Promise<void> {
    if (this.flushing || !this.opts.redisUp()) return;
    this.flushing = true;
    try {
      if (this.pendingResync) {
        // This interval's frame is the resync: pages re-read everything, the rest waits for the next frame.
        this.opts.sink.emit(null, 'resync', { v: 1, reason: this.pendingResync });
        this.pendingResync = undefined;
        return;
      }
      const now = Date.now();
      this.refreshHot(now);
      await this.sendJobs();
      this.sendWorkers();
      await this.sendCounts(now);
    } catch (err) {
      this.opts.logger.debug('flush failed', { error: (err as Error).message });
    } finally {
      this.flushing = false;
    }
  }

  private refreshHot(now: number): void {
    if (this.hot.size === 0 || now - this.lastHotRefresh < HOT_REFRESH_MS) return;
    this.lastHotRefresh = now;
    for (const q of this.hot) this.markQueue(q);
  }

  /** Each changed job that someone watches is read once and sent to its own room. */
  private async sendJobs(): Promise<void> {
    const { sink } = this.opts;
    const jobs = [...this.dirtyJobs.values()].filter(({ queue, id }) => sink.roomSize(rooms.job(queue, id)) > 0);
    this.dirtyJobs.clear();
    // Read in parallel (a few at a time): many open job pages must not stretch the frame for everyone.
    for (let i = 0; i < jobs.length; i += JOB_READS_AT_ONCE) {
      await Promise.all(jobs.slice(i, i + JOB_READS_AT_ONCE).map(({ queue, id }) => this.sendJob(queue, id)));
    }
  }

  private async sendJob(queue: string, id: string): Promise<void> {
    const room = rooms.job(queue, id);
    try {
      this.opts.sink.emit(room, 'job', { v: 1, queue, id, job: await getJobDto(queue, id) });
    } catch (err) {
      if (err instanceof NotFoundError) this.opts.sink.emit(room, 'job', { v: 1, queue, id, job: null });
      else throw err;
    }
  }

  private sendWorkers(): void {
    const frame = this.opts.takeWorkers();
    if (frame && this.opts.sink.roomSize(rooms.workers) > 0) this.opts.sink.emit(rooms.workers, 'workers', frame);
  }

  /** The counts of changed queues that someone watches: to each queue's room, and all in one frame to the dashboard. */
  private async sendCounts(now: number): Promise<void> {
    const { sink } = this.opts;
    const watchingDashboard = sink.roomSize(rooms.dashboard) > 0;
    const queues = [...this.dirtyQueues];
    this.dirtyQueues.clear();
    const watched = queues.filter((q) => watchingDashboard || sink.roomSize(rooms.queue(q)) > 0);
    const counts: Record<string, QueueCounts> = {};
    for (const q of watched) counts[q] = await getQueueCounts(q);
    const at = Date.now();
    for (const q of watched) {
      if (sink.roomSize(rooms.queue(q)) > 0) sink.emit(rooms.queue(q), 'counts', { v: 1, queues: { [q]: counts[q]! }, at });
    }
    if (!watchingDashboard) {
      // Nobody to tell; the sources keep what pages that open later need.
      this.opts.dashboard.drop();
      return;
    }
    const dashboard = await this.opts.dashboard.delta(now);
    if (watched.length > 0 || dashboard) sink.emit(rooms.dashboard, 'counts', { v: 1, queues: counts, at, ...(dashboard ? { dashboard } : {}) });
  }
}
