import type { Redis } from 'ioredis';
import { createRedis, getRedis } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { discoverQueues } from '../queue/queue-registry';
import { getJobDto } from '../data/job-dto';
import { getQueueCounts, type QueueCounts } from '../data/queue-dto';
import { checkRedis } from '../health';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { rooms, type ServerToClient } from './contract';

/** Where the relay sends frames; server.ts backs it with Socket.IO. Keeps lib/ free of Socket.IO. */
export interface RelaySink {
  emit<E extends keyof ServerToClient>(room: string | null, event: E, payload: Parameters<ServerToClient[E]>[0]): void;
  /** How many clients watch a room (0: nobody, skip the work). */
  roomSize(room: string): number;
}

export interface RelayOptions {
  sink: RelaySink;
  logger: Logger;
  /** Frame interval per room; 100 ms = at most 10 frames per second. */
  frameMs?: number;
  discoverMs?: number;
  healthMs?: number;
}

/**
 * Reads the BullMQ event streams of every queue with ONE blocking connection
 * (XREAD over all streams), whatever the number of browsers, and turns them
 * into coalesced frames: per frame interval, each watched job that changed is
 * read once and sent to its room, and the counts of changed queues go out in
 * one frame to the dashboard and queue rooms.
 */
export class EventRelay {
  private reader: Redis | undefined;
  /** CLIENT ID of the reader's connection, to CLIENT UNBLOCK it when the stream list changes. */
  private readerId: number | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly lastIds = new Map<string, string>();
  private readonly dirtyJobs = new Map<string, { queue: string; id: string }>();
  private readonly dirtyQueues = new Set<string>();
  private running = false;
  private timers: NodeJS.Timeout[] = [];
  private redisUp = true;
  private redisSince = Date.now();
  private flushing = false;
  private readonly frameMs: number;

  constructor(private readonly opts: RelayOptions) {
    this.frameMs = opts.frameMs ?? 100;
  }

  /** Current Redis health as the relay last saw it. */
  status() {
    return { v: 1 as const, redis: this.redisUp ? ('up' as const) : ('down' as const), since: this.redisSince };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
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
    void this.checkHealth();
    void this.discover().then(() => this.readLoop());
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.flushTimer);
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
      // Events may have been missed while away: everything watched is re-read.
      for (const q of this.lastIds.keys()) this.dirtyQueues.add(q);
      this.opts.sink.emit(null, 'resync', { v: 1, reason: 'redis-reconnected' });
    }
  }

  private async discover(): Promise<void> {
    try {
      const names = await discoverQueues();
      const fresh = names.filter((n) => !this.lastIds.has(n));
      if (fresh.length === 0) return;
      const redis = getRedis();
      for (const q of fresh) {
        // Start at the stream's current end: history is read from snapshots, not replayed.
        const last = await redis.xrevrange(bullKey(q, 'events'), '+', '-', 'COUNT', 1);
        this.lastIds.set(q, last[0]?.[0] ?? '0-0');
        this.dirtyQueues.add(q);
      }
      // Wake the blocked XREAD so the next one includes the new streams. (A reconnect
      // would not: ioredis re-sends the pending command with the old stream list.)
      if (this.readerId !== undefined) await redis.client('UNBLOCK', this.readerId);
    } catch (err) {
      this.opts.logger.debug('queue discovery failed', { error: (err as Error).message });
    }
  }

  private async readLoop(): Promise<void> {
    const prefix = env().CELERITY_PREFIX;
    while (this.running) {
      const queues = [...this.lastIds.keys()];
      if (queues.length === 0 || !this.reader) {
        await sleep(500);
        continue;
      }
      try {
        const reply = (await this.reader.xread(
          'COUNT',
          5000,
          'BLOCK',
          2000,
          'STREAMS',
          ...queues.map((q) => bullKey(q, 'events', prefix)),
          ...queues.map((q) => this.lastIds.get(q)!),
        )) as [string, [string, string[]][]][] | null;
        if (!reply) continue;
        for (const [key, entries] of reply) {
          const queue = key.slice(prefix.length + 1, -':events'.length);
          const last = entries[entries.length - 1];
          if (last) this.lastIds.set(queue, last[0]);
          if (entries.length > 0) this.dirtyQueues.add(queue);
          for (const [, fields] of entries) {
            const jobId = field(fields, 'jobId');
            if (jobId) this.dirtyJobs.set(`${queue}\u0000${jobId}`, { queue, id: jobId });
          }
        }
      } catch (err) {
        if (!this.running) return;
        // Disconnected on purpose (new stream) or Redis away: ioredis reconnects; wait a little.
        this.opts.logger.debug('event stream read interrupted', { error: (err as Error).message });
        await sleep(200);
      }
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.redisUp) return;
    this.flushing = true;
    const { sink } = this.opts;
    try {
      const jobs = [...this.dirtyJobs.values()];
      this.dirtyJobs.clear();
      for (const { queue, id } of jobs) {
        const room = rooms.job(queue, id);
        if (sink.roomSize(room) === 0) continue;
        try {
          sink.emit(room, 'job', { v: 1, queue, id, job: await getJobDto(queue, id) });
        } catch (err) {
          if (err instanceof NotFoundError) sink.emit(room, 'job', { v: 1, queue, id, job: null });
          else throw err;
        }
      }
      const queues = [...this.dirtyQueues];
      this.dirtyQueues.clear();
      const watched = queues.filter((q) => sink.roomSize(rooms.dashboard) > 0 || sink.roomSize(rooms.queue(q)) > 0);
      if (watched.length === 0) return;
      const counts: Record<string, QueueCounts> = {};
      for (const q of watched) counts[q] = await getQueueCounts(q);
      const frame = { v: 1 as const, queues: counts, at: Date.now() };
      if (sink.roomSize(rooms.dashboard) > 0) sink.emit(rooms.dashboard, 'counts', frame);
      for (const q of watched) {
        if (sink.roomSize(rooms.queue(q)) > 0) sink.emit(rooms.queue(q), 'counts', { ...frame, queues: { [q]: counts[q]! } });
      }
    } catch (err) {
      this.opts.logger.debug('flush failed', { error: (err as Error).message });
    } finally {
      this.flushing = false;
    }
  }
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
