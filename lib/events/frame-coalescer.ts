import { getJobDto } from '../data/job-dto';
import { getQueueCounts, type QueueCounts } from '../data/queue-dto';
import { getHeldSummary, type HeldSummaryDTO } from '../data/held-summary';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { rooms, type DashboardDelta, type ServerToClient, type WorkersFrame } from './contract';
import { FramePacer } from './frame-pacer';
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
/** Frames per room in any second, at most: ≤ 9 leave the console, so a client gets ≤ 10 even when delivery bunches them up. */
const FRAMES_PER_SECOND = 9;
/** The events that end a job: a watched job's end goes out at once, whatever the frame gap. */
const TERMINAL_EVENTS = new Set(['completed', 'failed']);
/** How long the answer to "does anyone watch a job?" is reused (it scans the rooms). */
const WATCHING_JOBS_TTL_MS = 100;

/** Nothing waits to be taken: nothing can be held, and Redis need not be asked. */
const NONE_HELD: HeldSummaryDTO = { total: 0, groups: [], complete: true };

function heldSummaryOf(queue: string, counts: QueueCounts): Promise<HeldSummaryDTO> {
  const waiting = (counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  return waiting > 0 ? getHeldSummary(queue) : Promise.resolve(NONE_HELD);
}

/**
 * Turns "what changed" into frames, keyed by room: each watched job that
 * changed is read once and sent to its own room only; the counts of changed
 * queues go out in one frame to the queue rooms and the dashboard. A change to
 * a room that has been quiet (no frame for `frameMs`) goes out at once — the
 * leading edge — and so does a watched job's end (completed, failed); the rest
 * of a burst waits until the room's gap is over and goes out as one frame
 * (the regular flush, every `frameMs`). So ≤ 9 frames per second per room
 * whatever the event rate (FramePacer), and the Redis reads behind a frame are
 * made once for all its clients.
 */
export class FrameCoalescer {
  private readonly dirtyJobs = new Map<string, { queue: string; id: string }>();
  /** Dirty jobs whose last change ended them: sent without waiting for the gap. */
  private readonly urgentJobs = new Set<string>();
  private readonly pacer: FramePacer;
  private watchingJobsCache = { at: 0, value: false };
  /** A flush is scheduled for the leading edge / another flush must follow the one under way. */
  private kicked = false;
  private again = false;
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
    this.pacer = new FramePacer(this.frameMs, FRAMES_PER_SECOND);
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

  /**
   * Note what a batch of stream entries changed, and flush at once when a
   * room it changed was quiet or a watched job ended. Job rooms are looked up
   * now: jobs nobody watches are not even kept.
   */
  take(queue: string, entries: readonly StreamEntry[]): void {
    this.dirtyQueues.add(queue);
    const now = Date.now();
    let leading = this.queueRoomsQuiet(queue, now);
    const watched = this.watchedJobs(queue);
    if (watched.size > 0) {
      for (const [, fields] of entries) {
        const jobId = entryField(fields, 'jobId');
        if (typeof jobId !== 'string' || !watched.has(jobId)) continue;
        const key = `${queue}\u0000${jobId}`;
        this.dirtyJobs.set(key, { queue, id: jobId });
        if (TERMINAL_EVENTS.has(fields[1]!)) this.urgentJobs.add(key);
        leading ||= this.urgentJobs.has(key) || this.pacer.quiet(rooms.job(queue, jobId), now);
      }
    }
    if (leading) this.kick();
  }

  /** Whether someone watches a job (the reader then reads its streams with a short pause: a job's end is read at once). */
  watchingJobs(): boolean {
    const now = Date.now();
    if (now - this.watchingJobsCache.at >= WATCHING_JOBS_TTL_MS) {
      let value = false;
      for (const room of this.opts.sink.rooms?.() ?? []) if ((value = room.startsWith('job:'))) break;
      this.watchingJobsCache = { at: now, value };
    }
    return this.watchingJobsCache.value;
  }

  /** The queue's counts go out with the next frame, at once if its rooms are quiet (e.g. after an action on it, or when it is new). */
  touchQueue(queue: string): void {
    this.dirtyQueues.add(queue);
    if (this.queueRoomsQuiet(queue, Date.now())) this.kick();
  }

  /** Whether a room that shows the queue's counts (its own, the dashboard) is watched and quiet. */
  private queueRoomsQuiet(queue: string, now: number): boolean {
    const { sink } = this.opts;
    const quiet = (room: string) => sink.roomSize(room) > 0 && this.pacer.quiet(room, now);
    return quiet(rooms.queue(queue)) || quiet(rooms.dashboard);
  }

  /** Flush as soon as the current batch is taken (the leading edge); after the flush under way if there is one. */
  private kick(): void {
    if (this.kicked || !this.running) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.flush();
    });
  }

  /** Send a frame and note it for the room's pacing. */
  private emit<E extends keyof ServerToClient>(room: string | null, event: E, payload: Parameters<ServerToClient[E]>[0]): void {
    this.opts.sink.emit(room, event, payload);
    this.pacer.record(room, Date.now());
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

  /** A flush's work: a pending resync alone, or the job, workers and counts frames of the rooms whose turn it is. */
  private async flush(): Promise<void> {
    if (!this.opts.redisUp()) return;
    if (this.flushing) {
      // A watched job's frame does not wait for the counts and dashboard reads under way; the rest follows the flush.
      this.sendJobs().catch((err: unknown) => this.opts.logger.debug('job frames failed', { error: (err as Error).message }));
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      if (this.pendingResync) {
        // This flush's frame is the resync, to every client: pages re-read everything, the rest waits for the gap.
        this.emit(null, 'resync', { v: 1, reason: this.pendingResync });
        this.pendingResync = undefined;
        return;
      }
      const now = Date.now();
      this.pacer.prune(now);
      this.refreshHot(now);
      await this.sendJobs();
      this.sendWorkers();
      await this.sendCounts(now);
    } catch (err) {
      this.opts.logger.debug('flush failed', { error: (err as Error).message });
    } finally {
      this.flushing = false;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    }
  }

  private refreshHot(now: number): void {
    if (this.hot.size === 0 || now - this.lastHotRefresh < HOT_REFRESH_MS) return;
    this.lastHotRefresh = now;
    for (const q of this.hot) this.markQueue(q);
  }

  /**
   * Each changed job that someone watches is read once and sent to its own
   * room, when the room's pacing allows (else it stays dirty). The jobs are
   * taken and their frames counted at once, before the reads: two calls at a
   * time (one beside a flush under way) never send the same change twice.
   */
  private async sendJobs(): Promise<void> {
    const { sink } = this.opts;
    const now = Date.now();
    const jobs: { queue: string; id: string }[] = [];
    for (const [key, job] of this.dirtyJobs) {
      const room = rooms.job(job.queue, job.id);
      const watched = sink.roomSize(room) > 0;
      if (watched && !this.pacer.may(room, now, this.urgentJobs.has(key))) continue;
      this.dirtyJobs.delete(key);
      this.urgentJobs.delete(key);
      if (!watched) continue;
      jobs.push(job);
      this.pacer.record(room, now);
    }
    // Read in parallel (a few at a time): many open job pages must not stretch the frame for everyone.
    for (let i = 0; i < jobs.length; i += JOB_READS_AT_ONCE) {
      await Promise.all(jobs.slice(i, i + JOB_READS_AT_ONCE).map(({ queue, id }) => this.sendJob(queue, id, now)));
    }
  }

  /** Read and send one job; its frame, counted for the room's pacing when taken (`takenAt`), is counted again for when it leaves. */
  private async sendJob(queue: string, id: string, takenAt: number): Promise<void> {
    const room = rooms.job(queue, id);
    try {
      this.opts.sink.emit(room, 'job', { v: 1, queue, id, job: await getJobDto(queue, id) });
    } catch (err) {
      if (err instanceof NotFoundError) this.opts.sink.emit(room, 'job', { v: 1, queue, id, job: null });
      else throw err;
    } finally {
      this.pacer.retime(room, takenAt, Date.now());
    }
  }

  private sendWorkers(): void {
    const frame = this.opts.takeWorkers();
    if (frame && this.opts.sink.roomSize(rooms.workers) > 0) this.opts.sink.emit(rooms.workers, 'workers', frame);
  }

  /**
   * The counts of changed queues that someone watches: to each queue's room,
   * and all in one frame to the dashboard, each when its pacing allows. A
   * queue stays dirty while a room that shows it waits for its turn.
   */
  private async sendCounts(now: number): Promise<void> {
    const { sink } = this.opts;
    const watchingDashboard = sink.roomSize(rooms.dashboard) > 0;
    const dashboardDue = watchingDashboard && this.pacer.may(rooms.dashboard, now);
    const roomDue = new Set<string>();
    const toRead: string[] = [];
    for (const q of this.dirtyQueues) {
      const room = rooms.queue(q);
      const roomWatched = sink.roomSize(room) > 0;
      if (roomWatched && this.pacer.may(room, now)) roomDue.add(q);
      if (roomDue.has(q) || dashboardDue) toRead.push(q);
      const waits = (roomWatched && !roomDue.has(q)) || (watchingDashboard && !dashboardDue);
      if (!waits) this.dirtyQueues.delete(q);
    }
    const counts: Record<string, QueueCounts> = {};
    for (const q of toRead) counts[q] = await getQueueCounts(q);
    // The queue page's held jobs ride on its counts frame: read only for the queue rooms due (a bounded scan).
    const held: Record<string, HeldSummaryDTO> = {};
    for (const q of roomDue) held[q] = await heldSummaryOf(q, counts[q]!);
    const at = Date.now();
    for (const q of roomDue) this.emit(rooms.queue(q), 'counts', { v: 1, queues: { [q]: counts[q]! }, at, held: { [q]: held[q]! } });
    if (!watchingDashboard) {
      // Nobody to tell; the sources keep what pages that open later need.
      this.opts.dashboard.drop();
      return;
    }
    if (!dashboardDue) return;
    const dashboard = await this.opts.dashboard.delta(now);
    if (toRead.length > 0 || dashboard) this.emit(rooms.dashboard, 'counts', { v: 1, queues: counts, at, ...(dashboard ? { dashboard } : {}) });
  }
}
