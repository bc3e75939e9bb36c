import type { Redis } from 'ioredis';
import { createRedis, getRedis } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { discoverQueues } from '../queue/queue-registry';
import { getJobDto } from '../data/job-dto';
import { getQueueCounts, type QueueCounts } from '../data/queue-dto';
import { readActiveJobs } from '../data/dashboard-active';
import { readLatestFailures } from '../data/dashboard-failures';
import { readTaskTimings } from '../data/dashboard-timings';
import { toWorkersDto } from '../data/worker-dto';
import { readHeartbeats } from '../worker/heartbeat';
import { checkRedis } from '../health';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { rooms, type DashboardDelta, type ServerToClient, type ThroughputPoint, type WorkersFrame } from './contract';
import { CounterDeltas, ThroughputWindow, type ThroughputSnapshot } from './throughput';
import { setLiveRelay, clearLiveRelay } from './live-relay';

/** Where the relay sends frames; server.ts backs it with Socket.IO. Keeps lib/ free of Socket.IO. */
export interface RelaySink {
  emit<E extends keyof ServerToClient>(room: string | null, event: E, payload: Parameters<ServerToClient[E]>[0]): void;
  /** How many clients watch a room (0: nobody, skip the work). */
  roomSize(room: string): number;
  /** The rooms with at least one member (to find a hot queue's watched jobs); optional. */
  rooms?(): Iterable<string>;
}

export interface RelayOptions {
  sink: RelaySink;
  logger: Logger;
  /**
   * Pause between the end of one frame and the start of the next (per room at
   * most one frame each). 110 ms: ≤ 9 frames a second leave the console, so a
   * client still gets ≤ 10 in any second when delivery bunches them up by up to ~100 ms.
   */
  frameMs?: number;
  discoverMs?: number;
  healthMs?: number;
  /** Entries read per stream per XREAD. A full batch means the stream outruns the reader: the queue goes hot. */
  readCount?: number;
  /** Pause after a non-empty read, so a busy stream is read in batches, not in a tight loop. */
  readPaceMs?: number;
  /** How long a queue stays hot (stream not read, its state re-read instead) before reading is tried again. */
  hotMs?: number;
  /** How often the heartbeats are read while someone watches the workers or the dashboard. */
  workersPollMs?: number;
  /** How much per-second throughput the console keeps for pages that open. */
  throughputWindowMs?: number;
  /** Least time between two resyncs caused by the stream (not by Redis coming back). */
  resyncMinMs?: number;
}

/** How often a hot queue's state (counts, watched jobs, dashboard lists) is re-read. */
const HOT_REFRESH_MS = 250;
/** Dashboard lists: re-read at most this often, and only when events say they changed. */
const ACTIVE_REFRESH_MS = 500;
const FAILURES_REFRESH_MS = 1000;
const TIMINGS_REFRESH_MS = 5000;
/** Watched jobs read at once in a frame. */
const JOB_READS_AT_ONCE = 16;

/**
 * The console's one reader of BullMQ's event streams, and the coalescer of
 * everything live.
 *
 * - ONE blocking connection reads every queue's stream (XREAD over all of
 *   them) whatever the number of browsers; a new queue wakes it (CLIENT UNBLOCK).
 * - Each frame interval (~110 ms), per room: each watched job that changed is
 *   read once and sent to its own room only; the counts of changed queues go
 *   out in one frame to the dashboard and queue rooms. So ≤ 10 frames per
 *   second per room whatever the job rate, and the Redis reads behind a frame
 *   are made once for all the room's clients.
 * - Throughput: once a second, the per-minute metrics counters BullMQ keeps
 *   (`count`, one HGET per queue and outcome) give the completed and failed
 *   jobs of that second, exactly, even when events were skipped or trimmed;
 *   the last minutes stay in memory for pages that open.
 * - Heartbeats are read every ~1.5 s, once per console, only while someone
 *   watches the workers or the dashboard; changes go to the `workers` room.
 * - A stream that outruns the reader (a full batch) makes its queue "hot" for
 *   a second: its stream is not read, its state is re-read every 250 ms
 *   instead, then reading resumes from the stream's end. Reading cost stays
 *   bounded at any job rate and nothing shown goes stale. Clients are told to
 *   resync when a queue turns hot, and when our position was trimmed from the
 *   stream before we read past it (a gap: XINFO STREAM's first entry is past
 *   it; checked on full batches and at most once a second otherwise).
 */
export class EventRelay {
  private reader: Redis | undefined;
  /** CLIENT ID of the reader's connection, to CLIENT UNBLOCK it when the stream list changes. */
  private readerId: number | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly lastIds = new Map<string, string>();
  private readonly dirtyJobs = new Map<string, { queue: string; id: string }>();
  private readonly dirtyQueues = new Set<string>();
  /** Hot queue → when to try reading its stream again. */
  private readonly hotUntil = new Map<string, number>();
  /** Hot queue → when it last left hot mode (a queue that flips back within a few seconds does not cause another resync). */
  private readonly hotLeft = new Map<string, number>();
  private lastHotRefresh = 0;
  /** Completed/failed events seen per queue since the last tick (throughput of queues whose workers record no metrics). */
  private readonly tallies = new Map<string, { completed: number; failed: number }>();
  private readonly counters = new CounterDeltas();
  private readonly window: ThroughputWindow;
  private pendingThroughput: ThroughputPoint[] = [];
  private completedSinceTimings = true;
  private activeDirty = true;
  private failuresDirty = true;
  private lastActiveRead = 0;
  private lastFailuresRead = 0;
  private lastTimingsRead = 0;
  private lastActiveJson = '';
  private lastFailuresJson = '';
  private lastTimingsJson = '';
  private lastWorkersJson = '';
  private lastWorkerCounts = '';
  private pendingWorkers: WorkersFrame | undefined;
  private pendingWorkerCounts: DashboardDelta['workers'];
  private polling = false;
  private lastResync = 0;
  /** A stream-caused resync to send with the next frame (instead of that frame: one frame per interval). */
  private pendingResync: string | undefined;
  /** When each stream was last checked for a trimmed gap. */
  private readonly lastGapCheck = new Map<string, number>();
  private running = false;
  private timers: NodeJS.Timeout[] = [];
  private redisUp = true;
  private redisSince = Date.now();
  private flushing = false;
  private readonly frameMs: number;
  private readonly readCount: number;
  private readonly readPaceMs: number;
  private readonly hotMs: number;
  private readonly resyncMinMs: number;

  constructor(private readonly opts: RelayOptions) {
    this.frameMs = opts.frameMs ?? 110;
    // 1,000 entries per read, a read per ~50 ms: streams up to ~20k events/s (~5k jobs/s) are read whole;
    // faster ones go hot, so the console never spends the queue's Redis time reading every event of a flood.
    this.readCount = opts.readCount ?? 1000;
    this.readPaceMs = opts.readPaceMs ?? 50;
    this.hotMs = opts.hotMs ?? 1000;
    this.resyncMinMs = opts.resyncMinMs ?? 5000;
    this.window = new ThroughputWindow(opts.throughputWindowMs);
  }

  /** Current Redis health as the relay last saw it. */
  status() {
    return { v: 1 as const, redis: this.redisUp ? ('up' as const) : ('down' as const), since: this.redisSince };
  }

  /** The per-second throughput of the last minutes, for a page's snapshot. */
  throughput(): ThroughputSnapshot {
    return this.window.snapshot();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    setLiveRelay(this);
    this.reader = createRedis('blocking');
    const reader = this.reader;
    reader.on('ready', () => {
      reader.client('ID').then(
        (id) => (this.readerId = Number(id)),
        () => (this.readerId = undefined),
      );
    });
    // Each flush schedules the next one after it ends: a slow flush then delays the
    // following frame instead of two frames going out back to back (≤ 10/s holds).
    const loop = async () => {
      await this.flush();
      if (this.running) this.flushTimer = setTimeout(loop, this.frameMs);
    };
    this.flushTimer = setTimeout(loop, this.frameMs);
    this.timers.push(setInterval(() => void this.discover(), this.opts.discoverMs ?? 5000));
    this.timers.push(setInterval(() => void this.checkHealth(), this.opts.healthMs ?? 2000));
    this.timers.push(setInterval(() => void this.pollWorkers(), this.opts.workersPollMs ?? 1500));
    this.scheduleTick();
    void this.checkHealth();
    void this.discover().then(() => this.readLoop());
  }

  async stop(): Promise<void> {
    this.running = false;
    clearLiveRelay(this);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.flushTimer);
    clearTimeout(this.tickTimer);
    const r = this.reader;
    this.reader = undefined;
    // A quit would wait for the pending XREAD BLOCK; disconnect ends it now.
    r?.disconnect();
  }

  /**
   * The last stream entry read per queue (`ms-seq` ids): /metrics compares them
   * with the streams' newest entries to report the event pipeline's lag.
   */
  positions(): ReadonlyMap<string, string> {
    return new Map(this.lastIds);
  }

  /** Mark a queue's counts dirty from outside (e.g. after an action on it). */
  touchQueue(queue: string): void {
    this.dirtyQueues.add(queue);
  }

  private async checkHealth(): Promise<void> {
    const s = await checkRedis(getRedis());
    const up = s.redis === 'up';
    if (up === this.redisUp) return;
    this.redisUp = up;
    this.redisSince = Date.now();
    this.opts.logger[up ? 'info' : 'warn'](up ? 'Redis is back' : 'Redis unavailable', { error: s.error });
    this.opts.sink.emit(null, 'status', this.status());
    if (up) {
      // Events may have been missed while away: everything watched is re-read, and pages re-read their snapshots.
      this.markEverythingDirty();
      this.lastWorkersJson = '';
      this.lastWorkerCounts = '';
      this.opts.sink.emit(null, 'resync', { v: 1, reason: 'redis-reconnected' });
    }
  }

  private markEverythingDirty(): void {
    for (const q of this.lastIds.keys()) this.dirtyQueues.add(q);
    this.activeDirty = this.failuresDirty = this.completedSinceTimings = true;
    this.lastActiveJson = this.lastFailuresJson = this.lastTimingsJson = '';
    for (const room of this.opts.sink.rooms?.() ?? []) {
      const m = /^job:([^:]+):(.+)$/.exec(room);
      if (m) this.dirtyJobs.set(`${m[1]}\u0000${m[2]}`, { queue: m[1]!, id: m[2]! });
    }
  }

  /** A stream-caused resync, at most once per `resyncMinMs`; it goes out as the next frame. */
  private resync(reason: string): void {
    const now = Date.now();
    if (now - this.lastResync < this.resyncMinMs) return;
    this.lastResync = now;
    this.opts.logger.info('asking pages to resync', { reason });
    this.pendingResync = reason;
  }

  private async discover(): Promise<void> {
    try {
      const names = await discoverQueues({ maxAgeMs: 'auto' });
      // A queue that is gone (obliterated) is no longer read.
      const known = new Set(names);
      for (const q of [...this.lastIds.keys()]) {
        if (known.has(q)) continue;
        this.lastIds.delete(q);
        this.hotUntil.delete(q);
        this.tallies.delete(q);
      }
      const fresh = names.filter((n) => !this.lastIds.has(n));
      if (fresh.length === 0) return;
      const redis = getRedis();
      for (const q of fresh) {
        // Start at the stream's current end: history is read from snapshots, not replayed.
        const last = await redis.xrevrange(bullKey(q, 'events'), '+', '-', 'COUNT', 1);
        this.lastIds.set(q, last[0]?.[0] ?? '0-0');
        this.dirtyQueues.add(q);
      }
      this.activeDirty = this.failuresDirty = true;
      await this.unblockReader();
    } catch (err) {
      this.opts.logger.debug('queue discovery failed', { error: (err as Error).message });
    }
  }

  /** Wake the blocked XREAD so the next one reads the new list of streams. (A reconnect would not: ioredis re-sends the pending command.) */
  private async unblockReader(): Promise<void> {
    if (this.readerId !== undefined) await getRedis().client('UNBLOCK', this.readerId);
  }

  private async readLoop(): Promise<void> {
    const prefix = env().CELERITY_PREFIX;
    while (this.running) {
      await this.leaveHot();
      const now = Date.now();
      const queues = [...this.lastIds.keys()].filter((q) => !this.hotUntil.has(q));
      if (queues.length === 0 || !this.reader) {
        await sleep(this.hotUntil.size ? Math.max(10, Math.min(...this.hotUntil.values()) - now) : 500);
        continue;
      }
      // While some queue is hot, block only until it may be read again.
      const block = this.hotUntil.size ? Math.max(10, Math.min(2000, Math.min(...this.hotUntil.values()) - now)) : 2000;
      try {
        const reply = (await this.reader.xread(
          'COUNT',
          this.readCount,
          'BLOCK',
          block,
          'STREAMS',
          ...queues.map((q) => bullKey(q, 'events', prefix)),
          ...queues.map((q) => this.lastIds.get(q)!),
        )) as [string, [string, string[]][]][] | null;
        if (!reply) continue;
        for (const [key, entries] of reply) {
          const queue = key.slice(prefix.length + 1, -':events'.length);
          if (!this.lastIds.has(queue)) continue; // forgotten while this read was under way
          const before = this.lastIds.get(queue)!;
          this.take(queue, entries);
          if (entries.length >= this.readCount) await this.goHot(queue, before);
          else if (entries.length > 0 && Date.now() - (this.lastGapCheck.get(queue) ?? 0) >= 1000) {
            // A queue whose stream is capped short (BullMQ's streams.events.maxLen) can be trimmed past us without a full batch.
            if (await this.trimmedPast(queue, before)) {
              this.markQueueDirty(queue);
              this.opts.logger.warn('event stream trimmed past the reader: resync', { queue, position: before });
              this.resync('stream-gap');
            }
          }
        }
        if (reply.some(([, entries]) => entries.length > 0)) await sleep(this.readPaceMs);
      } catch (err) {
        if (!this.running) return;
        // Disconnected on purpose (new stream) or Redis away: ioredis reconnects; wait a little.
        this.opts.logger.debug('event stream read interrupted', { error: (err as Error).message });
        await sleep(200);
      }
    }
  }

  /** Note what a batch of stream entries changed. Job rooms are looked up now: jobs nobody watches are not even kept. */
  private take(queue: string, entries: [string, string[]][]): void {
    const last = entries[entries.length - 1];
    if (!last) return;
    this.lastIds.set(queue, last[0]);
    this.dirtyQueues.add(queue);
    this.activeDirty = true;
    const watched = this.watchedJobs(queue);
    let tally = this.tallies.get(queue);
    for (const [, fields] of entries) {
      const event = field(fields, 'event');
      if (event === 'completed' || event === 'failed') {
        if (!tally) this.tallies.set(queue, (tally = { completed: 0, failed: 0 }));
        tally[event]++;
      }
      if (event === 'failed' || event === 'removed' || event === 'cleaned') this.failuresDirty = true;
      if (watched.size === 0) continue;
      const jobId = field(fields, 'jobId');
      if (jobId && watched.has(jobId)) this.dirtyJobs.set(`${queue}\u0000${jobId}`, { queue, id: jobId });
    }
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

  /** The stream outran the reader: stop reading it for a while and re-read its state instead. */
  private async goHot(queue: string, before: string): Promise<void> {
    const now = Date.now();
    const wasHot = now - (this.hotLeft.get(queue) ?? -Infinity) < 5 * this.hotMs;
    this.hotUntil.set(queue, now + this.hotMs);
    this.lastHotRefresh = 0;
    if (await this.trimmedPast(queue, before)) {
      this.opts.logger.warn('event stream trimmed past the reader: resync', { queue, position: before });
      this.resync('stream-gap');
    } else if (!wasHot) {
      this.opts.logger.info('event stream outruns the reader: the queue is hot, its state is re-read instead', { queue });
      this.resync('reader-behind');
    }
  }

  /**
   * Whether entries after `position` were trimmed from the stream (so we never
   * read them): the oldest entry left (XINFO STREAM's first-entry) is past it.
   * (Its max-deleted-entry-id would be exact, but Redis only updates it on XDEL,
   * not when a stream is trimmed.) Trimmed exactly up to our position reads as
   * a gap too: we were then ~10k entries behind anyway.
   */
  private async trimmedPast(queue: string, position: string): Promise<boolean> {
    this.lastGapCheck.set(queue, Date.now());
    if (position === '0-0') return false;
    try {
      const info = (await getRedis().xinfo('STREAM', bullKey(queue, 'events'))) as unknown[];
      const first = infoField(info, 'first-entry') as [string, string[]] | null | undefined;
      return Boolean(first && compareIds(first[0], position) > 0);
    } catch (err) {
      this.opts.logger.debug('XINFO STREAM failed', { queue, error: (err as Error).message });
      return false;
    }
  }

  /** Queues whose hot time is over are read again, from their stream's current end. */
  private async leaveHot(): Promise<void> {
    const now = Date.now();
    for (const [queue, until] of this.hotUntil) {
      if (until > now) continue;
      try {
        const last = await getRedis().xrevrange(bullKey(queue, 'events'), '+', '-', 'COUNT', 1);
        if (last[0]) this.lastIds.set(queue, last[0][0]);
        this.hotUntil.delete(queue);
        this.hotLeft.set(queue, now);
        // What happened since the last refresh is re-read once more.
        this.markQueueDirty(queue);
      } catch {
        return; // Redis away: try again on the next pass
      }
    }
  }

  private markQueueDirty(queue: string): void {
    this.dirtyQueues.add(queue);
    this.activeDirty = this.failuresDirty = this.completedSinceTimings = true;
    for (const id of this.watchedJobIds(queue) ?? []) this.dirtyJobs.set(`${queue}\u0000${id}`, { queue, id });
  }

  /** Once a second, just after the second ends: the completed and failed jobs of that second. */
  private scheduleTick(): void {
    const now = Date.now();
    const next = Math.floor(now / 1000) * 1000 + 1000;
    this.tickTimer = setTimeout(() => {
      void this.tick(next - 1000).finally(() => this.running && this.scheduleTick());
    }, next - now + 5);
  }

  private async tick(second: number): Promise<void> {
    const queues = [...this.lastIds.keys()];
    if (queues.length === 0 || !this.redisUp) return;
    try {
      const pipe = getRedis().pipeline();
      for (const q of queues) {
        pipe.hget(bullKey(q, 'metrics:completed'), 'count');
        pipe.hget(bullKey(q, 'metrics:failed'), 'count');
      }
      const replies = (await pipe.exec()) ?? [];
      let completed = 0;
      let failed = 0;
      queues.forEach((q, i) => {
        const tally = this.tallies.get(q) ?? { completed: 0, failed: 0 };
        (['completed', 'failed'] as const).forEach((kind, k) => {
          const [err, raw] = replies[i * 2 + k] ?? [];
          const hasMetrics = !err && raw !== null && raw !== undefined;
          // A missing counter is zero (its hash appears with the first job that finishes).
          const d = this.counters.delta(`${q}\u0000${kind}`, hasMetrics ? Number(raw) : 0);
          // Workers that record no metrics (plain BullMQ without `metrics`): the events seen are counted instead.
          const n = hasMetrics ? (d ?? 0) : tally[kind];
          if (kind === 'completed') completed += n;
          else failed += n;
        });
      });
      this.tallies.clear();
      const point = this.window.record(second, completed, failed);
      if (point && (completed > 0 || failed > 0)) {
        this.pendingThroughput.push(point);
        if (completed > 0) this.completedSinceTimings = true;
      }
    } catch (err) {
      this.opts.logger.debug('throughput tick failed', { error: (err as Error).message });
    }
  }

  /** Read the heartbeats, once for every viewer, only while someone watches; changes go out with the next frame. */
  private async pollWorkers(): Promise<void> {
    const { sink } = this.opts;
    if (this.polling || !this.redisUp || (sink.roomSize(rooms.workers) === 0 && sink.roomSize(rooms.dashboard) === 0)) return;
    this.polling = true;
    try {
      const dto = toWorkersDto(await readHeartbeats(getRedis()));
      const json = JSON.stringify([dto.alive, dto.lost]);
      if (json !== this.lastWorkersJson) {
        this.lastWorkersJson = json;
        this.pendingWorkers = { v: 1, ...dto };
      }
      const counts = { alive: dto.alive.length, lost: dto.lost.length };
      const countsJson = JSON.stringify(counts);
      if (countsJson !== this.lastWorkerCounts) {
        this.lastWorkerCounts = countsJson;
        this.pendingWorkerCounts = counts;
      }
    } catch (err) {
      this.opts.logger.debug('heartbeat poll failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.redisUp) return;
    this.flushing = true;
    const { sink } = this.opts;
    try {
      if (this.pendingResync) {
        // This interval's frame is the resync: pages re-read everything, the rest waits for the next frame.
        sink.emit(null, 'resync', { v: 1, reason: this.pendingResync });
        this.pendingResync = undefined;
        return;
      }
      const now = Date.now();
      if (this.hotUntil.size && now - this.lastHotRefresh >= HOT_REFRESH_MS) {
        this.lastHotRefresh = now;
        for (const q of this.hotUntil.keys()) this.markQueueDirty(q);
      }

      const jobs = [...this.dirtyJobs.values()].filter(({ queue, id }) => sink.roomSize(rooms.job(queue, id)) > 0);
      this.dirtyJobs.clear();
      // Read in parallel (a few at a time): many open job pages must not stretch the frame for everyone.
      for (let i = 0; i < jobs.length; i += JOB_READS_AT_ONCE) {
        await Promise.all(
          jobs.slice(i, i + JOB_READS_AT_ONCE).map(async ({ queue, id }) => {
            const room = rooms.job(queue, id);
            try {
              sink.emit(room, 'job', { v: 1, queue, id, job: await getJobDto(queue, id) });
            } catch (err) {
              if (err instanceof NotFoundError) sink.emit(room, 'job', { v: 1, queue, id, job: null });
              else throw err;
            }
          }),
        );
      }

      if (this.pendingWorkers) {
        if (sink.roomSize(rooms.workers) > 0) sink.emit(rooms.workers, 'workers', this.pendingWorkers);
        this.pendingWorkers = undefined;
      }

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
        // Nobody to tell; the window keeps the seconds for pages that open later.
        this.pendingThroughput = [];
        this.pendingWorkerCounts = undefined;
        return;
      }
      const dashboard = await this.dashboardDelta(now);
      if (watched.length > 0 || dashboard) sink.emit(rooms.dashboard, 'counts', { v: 1, queues: counts, at, ...(dashboard ? { dashboard } : {}) });
    } catch (err) {
      this.opts.logger.debug('flush failed', { error: (err as Error).message });
    } finally {
      this.flushing = false;
    }
  }

  /** The dashboard's live figures that changed since the last frame (undefined: none). Each list is re-read at most every 0.5–5 s. */
  private async dashboardDelta(now: number): Promise<DashboardDelta | undefined> {
    const delta: DashboardDelta = {};
    const queues = [...this.lastIds.keys()];
    if (this.pendingThroughput.length) delta.throughput = this.pendingThroughput.splice(0);
    if (this.pendingWorkerCounts) {
      delta.workers = this.pendingWorkerCounts;
      this.pendingWorkerCounts = undefined;
    }
    if (this.activeDirty && now - this.lastActiveRead >= ACTIVE_REFRESH_MS) {
      this.activeDirty = false;
      this.lastActiveRead = now;
      const active = await readActiveJobs(queues);
      const json = JSON.stringify(active);
      if (json !== this.lastActiveJson) {
        this.lastActiveJson = json;
        delta.active = active;
      }
    }
    if (this.failuresDirty && now - this.lastFailuresRead >= FAILURES_REFRESH_MS) {
      this.failuresDirty = false;
      this.lastFailuresRead = now;
      const failures = await readLatestFailures(queues);
      const json = JSON.stringify(failures);
      if (json !== this.lastFailuresJson) {
        this.lastFailuresJson = json;
        delta.failures = failures;
      }
    }
    if (this.completedSinceTimings && now - this.lastTimingsRead >= TIMINGS_REFRESH_MS) {
      this.completedSinceTimings = false;
      this.lastTimingsRead = now;
      const timings = await readTaskTimings(queues);
      const json = JSON.stringify(timings.tasks);
      if (json !== this.lastTimingsJson) {
        this.lastTimingsJson = json;
        delta.timings = timings;
      }
    }
    return Object.keys(delta).length ? delta : undefined;
  }
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** A field of XINFO STREAM's flat reply. */
function infoField(info: unknown[], name: string): unknown {
  for (let i = 0; i < info.length - 1; i += 2) if (info[i] === name) return info[i + 1];
  return undefined;
}

/** Compare two stream ids (`ms-seq`). */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const d = BigInt(am!) - BigInt(bm!);
  if (d !== 0n) return d > 0n ? 1 : -1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s > 0n ? 1 : -1;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
