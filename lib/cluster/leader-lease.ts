import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logger';

/**
 * Leader election among processes that share a Redis: a lease (one key, SET NX PX)
 * that its holder renews by compare-and-extend and deletes when it stops.
 *
 * Written here rather than taken from npm: the maintained packages (redlock,
 * redis-semaphore) are mutexes around a critical section — acquire, work,
 * release — with no "you are now the leader / you no longer are" callbacks and
 * no local deadline. A leader must step down on its own when it cannot renew
 * (Redis unreachable, or answering too late) before the lease runs out, or two
 * processes would act as leader at once; that deadline is the heart of this module.
 */

/** The commands the lease uses: a single Redis connection or a cluster's (one key: no slot is crossed). */
export interface LeaseRedis {
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface LeaderLeaseOptions {
  /** A command connection (not a blocking one: renewals must not queue behind a long XREAD). */
  redis: LeaseRedis;
  /** The lease key: one per duty (all processes competing for the duty use the same key). */
  key: string;
  /** How long a lease lasts without renewal. A holder killed with -9 is replaced within about this long plus `renewMs`. */
  ttlMs?: number;
  /** How often the holder renews and the others try to take the lease. */
  renewMs?: number;
  /** This process's id in the lease (shown by `holder()`): host, pid and a random part by default. */
  id?: string;
  logger?: Logger;
  /** This process became the leader. */
  onGain?(): void;
  /** This process is no longer the leader (lease taken by another, not renewed in time, or stop()). */
  onLose?(): void;
}

/**
 * Take the lease when free (SET NX PX), or extend it when this process holds it. One script for
 * both: a renewal that Redis answered after the holder's own deadline (it stepped down meanwhile)
 * still left the key with its id, which the next try takes back instead of waiting out the TTL.
 */
const TAKE_OR_EXTEND = `
local v = redis.call('get', KEYS[1])
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
/** Delete the lease only if this process still holds it. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/**
 * One process's part in the election for one duty. Every process runs one and
 * calls start(); at most one is leader at a time, as long as clocks run at about
 * the same rate (a lease is measured from before the command that took or
 * renewed it, so a slow answer shortens it, never lengthens it).
 */
export class LeaderLease {
  readonly id: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private leading = false;
  /** Local time until which the lease is ours for sure (from the start of the last successful command). */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private running = false;
  private busy = false;

  constructor(private readonly opts: LeaderLeaseOptions) {
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.renewMs = opts.renewMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
    if (this.renewMs * 2 > this.ttlMs) throw new Error(`LeaderLease: renewMs (${this.renewMs}) must be at most half of ttlMs (${this.ttlMs})`);
    this.id = opts.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Take part in the election: try now, then every `renewMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.renewMs);
    this.timer.unref();
  }

  /** Leave the election; a leader steps down (onLose) and deletes its lease so another takes over at its next try. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    const wasLeading = this.leading;
    this.stepDown('stopped');
    if (wasLeading) await this.opts.redis.eval(RELEASE, 1, this.opts.key, this.id).catch(() => {});
  }

  /** Whether this process holds the lease now (by its own clock). */
  isLeader(): boolean {
    return this.leading && Date.now() < this.validUntil;
  }

  /** The id of the current holder, as Redis says (undefined: nobody). */
  async holder(): Promise<string | undefined> {
    return (await this.opts.redis.get(this.opts.key)) ?? undefined;
  }

  private async tick(): Promise<void> {
    // A renewal still waiting for Redis: the deadline timer covers it; no second command piles up.
    if (this.busy || !this.running) return;
    this.busy = true;
    const sentAt = Date.now();
    try {
      const held = Number(await this.opts.redis.eval(TAKE_OR_EXTEND, 1, this.opts.key, this.id, String(this.ttlMs))) === 1;
      if (!this.running) {
        if (held) await this.opts.redis.eval(RELEASE, 1, this.opts.key, this.id);
        return;
      }
      if (this.leading) {
        if (held) this.hold(sentAt);
        else this.stepDown('lease taken by another process');
      } else if (held) {
        this.leading = true;
        this.hold(sentAt);
        this.opts.logger?.info('leadership gained', { key: this.opts.key, id: this.id });
        this.opts.onGain?.();
      }
    } catch (err) {
      // Redis unreachable: keep trying; a leader steps down at its deadline (below), not at the first error.
      this.opts.logger?.debug('lease command failed', { key: this.opts.key, error: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  /** The lease is ours until `sentAt + ttlMs`; step down just before, unless a renewal moves it. */
  private hold(sentAt: number): void {
    this.validUntil = sentAt + this.ttlMs;
    clearTimeout(this.deadline);
    // A small margin for timer lateness: the old leader is gone before anyone else can take the key.
    const margin = Math.min(200, Math.floor(this.ttlMs / 10));
    this.deadline = setTimeout(() => this.stepDown('lease not renewed in time'), Math.max(0, this.validUntil - margin - Date.now()));
    this.deadline.unref();
  }

  private stepDown(reason: string): void {
    clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    this.validUntil = 0;
    this.opts.logger?.info('leadership lost', { key: this.opts.key, id: this.id, reason });
    this.opts.onLose?.();
  }
}
