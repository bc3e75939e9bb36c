import { LeaderLease, type LeaseRedis } from '../cluster/leader-lease';
import { celerityKeys } from '../keys';
import type { Logger } from '../logger';
import type { PeersFrame, ServerToClient } from './contract';
import { EventRelay, type RelayOptions, type RelaySink } from './event-relay';
import { setLiveRelay, clearLiveRelay, type LiveRelay } from './live-relay';
import { RedisHealth } from './redis-health';
import type { ThroughputSnapshot } from './throughput';

/**
 * The live side of a console that shares its work with other consoles on the
 * same Redis. One console at a time — the leader of the `live-relay` lease —
 * runs the EventRelay: it reads the event streams, the heartbeats and the
 * counts once for the whole deployment and emits each frame once; the sink
 * (Socket.IO with the Redis pub/sub adapter) hands it to every console, which
 * delivers it to its own clients in the room. So Redis work does not grow with
 * the number of consoles, and no client gets a frame twice. When the leader
 * stops or dies, another console takes over within the lease's TTL and asks
 * every page to re-read (`resync`), as after a Redis outage.
 *
 * Each console keeps its own Redis health (the `status` frame, sent to its own
 * clients only: a frame for everyone cannot cross a Redis that is down).
 */
export interface SharedRelayOptions {
  logger: Logger;
  /** This console's id (in the lease). */
  id?: string;
  /** Command connection for the lease. */
  redis: LeaseRedis;
  /** Frames to every console's clients (through the adapter); roomSize/rooms over all consoles. */
  sink: RelaySink;
  /** A frame to this console's clients only (status, the resync after Redis came back). */
  emitLocal<E extends keyof ServerToClient>(event: E, payload: Parameters<ServerToClient[E]>[0]): void;
  /** The leader's throughput snapshot, asked from the other consoles (null: no answer). */
  askThroughput(): Promise<ThroughputSnapshot | null>;
  /** The leader's stream positions, asked from the other consoles (null: no answer). */
  askPositions(): Promise<[string, string][] | null>;
  /** The leader changed: this console should tell the others its rooms at once. */
  onLeaderChange?(leading: boolean): void;
  relay?: Partial<Omit<RelayOptions, 'sink' | 'logger'>>;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
}

export class SharedRelay implements LiveRelay {
  private readonly lease: LeaderLease;
  private readonly health: RedisHealth;
  private relay: EventRelay | undefined;

  constructor(private readonly opts: SharedRelayOptions) {
    const { logger } = opts;
    this.lease = new LeaderLease({
      redis: opts.redis,
      id: opts.id,
      key: celerityKeys().lock('live-relay'),
      ttlMs: opts.leaseTtlMs ?? 5_000,
      renewMs: opts.leaseRenewMs,
      logger,
      onGain: () => this.lead(),
      onLose: () => this.follow(),
    });
    this.health = new RedisHealth({ logger, everyMs: opts.relay?.healthMs, onChange: (up) => this.redisChanged(up) });
  }

  /** This console's id in the lease. */
  get id(): string {
    return this.lease.id;
  }

  /** Take part in the election; until leading, this console only delivers what the leader sends. */
  start(): void {
    setLiveRelay(this);
    this.health.start();
    this.lease.start();
  }

  /** Stop the relay if leading and hand the lease over (released at once, not left to expire). */
  async stop(): Promise<void> {
    await this.lease.stop();
    this.health.stop();
    clearLiveRelay(this);
  }

  /** Whether this console runs the relay now. */
  isLeader(): boolean {
    return this.relay !== undefined;
  }

  status() {
    return this.health.status();
  }

  /** The other consoles' public URLs, for a page that connects (set by the wiring that knows them). */
  peers(): PeersFrame {
    return { v: 1, consoles: [] };
  }

  /** Per-second throughput for a page's snapshot: the leader's own, else asked from it. */
  throughput(): ThroughputSnapshot | Promise<ThroughputSnapshot | null> {
    return this.relay ? this.relay.throughput() : this.opts.askThroughput();
  }

  /** The leader's snapshot, for another console that asks; null on a follower. */
  ownThroughput(): ThroughputSnapshot | null {
    return this.relay?.throughput() ?? null;
  }

  /**
   * Stream positions (for /metrics' pipeline lag): only the leader reads the streams, so
   * a follower asks it (null: no answer — then no lag is known, which is not a lag of 0).
   */
  positions(): ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string> | null> {
    if (this.relay) return this.relay.positions();
    return this.opts.askPositions().then((entries) => entries && new Map(entries));
  }

  /** The leader's stream positions, for another console that asks (entries: they cross the adapter as JSON); null on a follower. */
  ownPositions(): [string, string][] | null {
    return this.relay ? [...this.relay.positions()] : null;
  }

  private lead(): void {
    const relay = new EventRelay({ ...this.opts.relay, logger: this.opts.logger, sink: this.localStatusSink() });
    this.relay = relay;
    relay.start();
    // EventRelay registers itself for the pages of this process; this console answers for it.
    setLiveRelay(this);
    this.opts.onLeaderChange?.(true);
    // Events between the previous leader's last frame and this one's first were not sent: pages everywhere re-read.
    this.opts.sink.emit(null, 'resync', { v: 1, reason: 'relay-moved' });
  }

  private follow(): void {
    const relay = this.relay;
    this.relay = undefined;
    if (relay) void relay.stop();
    setLiveRelay(this);
    this.opts.onLeaderChange?.(false);
  }

  /**
   * The relay's sink, except for its Redis-health frames: every console sends its
   * own (see redisChanged), so the leader's clients must not get them twice.
   */
  private localStatusSink(): RelaySink {
    const { sink } = this.opts;
    return {
      emit: (room, event, payload) => {
        if (room === null && (event === 'status' || (event === 'resync' && (payload as { reason?: string }).reason === REDIS_BACK))) return;
        sink.emit(room, event, payload);
      },
      roomSize: (room) => sink.roomSize(room),
      rooms: sink.rooms ? () => sink.rooms!() : undefined,
    };
  }

  /** Redis went down or came back: this console's clients are told; once back, pages re-read (what the relay does alone). */
  private redisChanged(up: boolean): void {
    this.opts.emitLocal('status', this.status());
    if (up) this.opts.emitLocal('resync', { v: 1, reason: REDIS_BACK });
  }
}

/** The resync reason EventRelay gives after Redis came back. */
const REDIS_BACK = 'redis-reconnected';
