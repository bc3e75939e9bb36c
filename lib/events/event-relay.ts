import { createRedis, getRedis, isCluster } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { discoverQueues } from '../queue/queue-registry';
import type { Logger } from '../logger';
import { rooms, type DashboardDelta } from './contract';
import { DashboardLists } from './dashboard-lists';
import { FrameCoalescer, type DashboardFeed, type RelaySink } from './frame-coalescer';
import { setLiveRelay, clearLiveRelay } from './live-relay';
import { RedisHealth } from './redis-health';
import { NodeReaders } from './node-readers';
import { summarizeBatch } from './stream-entries';
import { clusterPlacement, singleRedisPlacement } from './stream-placement';
import type { StreamSink } from './stream-reader';
import type { ThroughputSnapshot } from './throughput';
import { ThroughputTicks } from './throughput-ticks';
import { WorkersPoller } from './workers-poller';

export type { RelaySink } from './frame-coalescer';
export { compareIds } from './stream-entries';

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
  /** The pause instead while someone watches a job: its end is read (and sent) within about this long. */
  watchedReadPaceMs?: number;
  /** How long a queue stays hot (stream not read, its state re-read instead) before reading is tried again. */
  hotMs?: number;
  /** How often the heartbeats are read while someone watches the workers or the dashboard. */
  workersPollMs?: number;
  /** How much per-second throughput the console keeps for pages that open. */
  throughputWindowMs?: number;
  /** Least time between two resyncs caused by the stream (not by Redis coming back). */
  resyncMinMs?: number;
}

/**
 * The console's live side, wired from parts with one job each:
 * - NodeReaders: a StreamReader per Redis node (one on a single Redis, one per master on a cluster), each
 *   reading its node's event streams on one connection, whatever the number of browsers;
 * - the FrameCoalescer: what changed, per room, into ≤ 10 frames a second, sent through the sink (a quiet
 *   room's first change and a watched job's end at once, the rest of a burst coalesced);
 * - periodic sources: ThroughputTicks (per-second completed/failed), WorkersPoller (heartbeats),
 *   DashboardLists (active jobs, failures, timings), RedisHealth (status, resync when Redis is back);
 * - queue discovery every few seconds, which sets the streams the reader covers.
 */
export class EventRelay {
  private readonly health: RedisHealth;
  private readonly frames: FrameCoalescer;
  private readonly ticks: ThroughputTicks;
  private readonly workers: WorkersPoller;
  private readonly lists = new DashboardLists();
  private reader: NodeReaders | undefined;
  private discoverTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: RelayOptions) {
    const redisUp = () => this.health.isUp();
    const { sink, logger } = opts;
    this.health = new RedisHealth({ logger, everyMs: opts.healthMs, onChange: (up) => this.redisChanged(up) });
    this.ticks = new ThroughputTicks({
      logger,
      redisUp,
      queues: () => this.queues(),
      windowMs: opts.throughputWindowMs,
      onCompleted: () => this.lists.touch('timings'),
    });
    this.workers = new WorkersPoller({
      logger,
      redisUp,
      pollMs: opts.workersPollMs,
      watched: () => sink.roomSize(rooms.workers) > 0 || sink.roomSize(rooms.dashboard) > 0,
    });
    this.frames = new FrameCoalescer({
      sink,
      logger,
      redisUp,
      frameMs: opts.frameMs,
      resyncMinMs: opts.resyncMinMs,
      dashboard: this.dashboardFeed(),
      takeWorkers: () => this.workers.takeFrame(),
    });
  }

  /** Current Redis health as the relay last saw it. */
  status() {
    return this.health.status();
  }

  /** The per-second throughput of the last minutes, for a page's snapshot. */
  throughput(): ThroughputSnapshot {
    return this.ticks.snapshot();
  }

  /** Start reading and sending (once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    setLiveRelay(this);
    const reader = this.newReader();
    this.frames.start();
    this.discoverTimer = setInterval(() => void this.discover(), this.opts.discoverMs ?? 5000);
    this.health.start();
    this.workers.start();
    this.ticks.start();
    // The first discovery scans afresh: a scan answer cached before start (kept up to 60 s with a large
    // keyspace) could miss a queue made just before, whose events would then go unread until the next one.
    void this.discover({ fresh: true }).then(() => reader.start());
  }

  /** Stop reading, ticking and sending; positions() still tells where reading stopped. */
  async stop(): Promise<void> {
    this.running = false;
    clearLiveRelay(this);
    clearInterval(this.discoverTimer);
    this.frames.stop();
    this.health.stop();
    this.workers.stop();
    this.ticks.stop();
    this.reader?.stop();
  }

  /**
   * The last stream entry read per queue (`ms-seq` ids): /metrics compares them
   * with the streams' newest entries to report the event pipeline's lag.
   */
  positions(): ReadonlyMap<string, string> {
    return this.reader?.positions() ?? new Map();
  }

  /** Mark a queue's counts dirty from outside (e.g. after an action on it). */
  touchQueue(queue: string): void {
    this.frames.touchQueue(queue);
  }

  /** The queues read, as of the last discovery. */
  private queues(): string[] {
    return this.reader?.queues() ?? [];
  }

  /** The readers, one per Redis node; what they read feeds the coalescer and the periodic sources. */
  private newReader(): NodeReaders {
    const { frames, ticks, lists } = this;
    const sink: StreamSink = {
      entries(queue, entries) {
        frames.take(queue, entries);
        const batch = summarizeBatch(entries);
        ticks.count(queue, batch);
        lists.touch('active', ...(batch.failuresChanged ? (['failures'] as const) : []));
      },
      missed: (queue) => frames.markQueue(queue),
      resync: (reason) => frames.resync(reason),
      hot: (queue, hot) => frames.setHot(queue, hot),
    };
    const { logger, readCount, hotMs, readPaceMs = 50, watchedReadPaceMs = 10 } = this.opts;
    const pace = () => (frames.watchingJobs() ? Math.min(readPaceMs, watchedReadPaceMs) : readPaceMs);
    const commands = getRedis();
    const placement = isCluster(commands) ? clusterPlacement(commands) : singleRedisPlacement(() => createRedis('blocking'), commands);
    const prefix = env().CELERITY_PREFIX;
    const streamKey = (queue: string) => bullKey(queue, 'events', prefix);
    this.reader = new NodeReaders({ placement, streamKey, sink, logger, reader: { readCount, readPaceMs: pace, hotMs } });
    return this.reader;
  }

  /** The dashboard frame's figures besides the counts, from the periodic sources. */
  private dashboardFeed(): DashboardFeed {
    return {
      delta: async (now) => {
        const delta: DashboardDelta = {};
        const throughput = this.ticks.take();
        if (throughput.length) delta.throughput = throughput;
        const workers = this.workers.takeCounts();
        if (workers) delta.workers = workers;
        Object.assign(delta, await this.lists.delta(this.queues(), now));
        return Object.keys(delta).length ? delta : undefined;
      },
      drop: () => {
        this.ticks.drop();
        this.workers.takeCounts();
      },
      stale: () => this.lists.touch('active', 'failures', 'timings'),
    };
  }

  /** Find queues that appeared (read from now on, counts sent) and queues that are gone (no longer read). */
  private async discover({ fresh = false } = {}): Promise<void> {
    if (!this.reader) return;
    try {
      const { added, removed } = await this.reader.cover(await discoverQueues({ maxAgeMs: fresh ? 0 : 'auto' }));
      for (const q of removed) this.ticks.forget(q);
      if (added.length === 0) return;
      for (const q of added) this.frames.touchQueue(q);
      this.lists.touch('active', 'failures');
    } catch (err) {
      this.opts.logger.debug('queue discovery failed', { error: (err as Error).message });
    }
  }

  /** Redis went down or came back: every client is told; once back, everything watched is re-read. */
  private redisChanged(up: boolean): void {
    this.opts.sink.emit(null, 'status', this.status());
    if (!up) return;
    // Events may have been missed while away: everything watched is re-read, and pages re-read their snapshots.
    this.frames.markAll(this.queues());
    this.lists.reset();
    this.workers.reset();
    this.opts.sink.emit(null, 'resync', { v: 1, reason: 'redis-reconnected' });
  }
}
