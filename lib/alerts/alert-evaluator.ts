import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { LeaderLease } from '../cluster/leader-lease';
import { alertKeys } from './alert-keys';
import { AlertEngine } from './alert-engine';
import { DeliverySender, type RetryPolicy } from './delivery-sender';

export interface AlertEvaluatorOptions {
  /** A command connection (the lease's renewals must not queue behind blocking reads). */
  redis: RedisConnection;
  logger?: Logger;
  /** The console's public URL, for links in messages. */
  publicUrl: string;
  /** How often every rule is evaluated (default 2 s). */
  periodMs?: number;
  /** The lease: a console that dies is replaced within about ttl + renew. */
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  /** This console's id in the lease. */
  id?: string;
  retry?: Partial<RetryPolicy>;
  /** How often the sender looks for due deliveries (retries); new notifications are sent at once. */
  sendPollMs?: number;
  sendTimeoutMs?: number;
  /** Called after each evaluation this console ran as leader (tests count them). */
  onEvaluated?: () => void;
}

/**
 * The alerts' evaluator: every console runs one and takes part in the
 * `alerts` lease (the same mechanism as the live relay's, its own key); only
 * the leader evaluates rules and sends deliveries, every `periodMs`, whether or
 * not anyone has a page open. When the leader stops or dies, another console
 * takes over within the lease's TTL and carries on from the state in Redis.
 */
export class AlertEvaluator {
  private readonly lease: LeaderLease;
  private timer: NodeJS.Timeout | undefined;
  private engine: AlertEngine | undefined;
  private sender: DeliverySender | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly opts: AlertEvaluatorOptions) {
    this.lease = new LeaderLease({
      redis: opts.redis,
      id: opts.id,
      key: alertKeys().lease,
      ttlMs: opts.leaseTtlMs ?? 5_000,
      renewMs: opts.leaseRenewMs,
      logger: opts.logger,
      onGain: () => this.lead(),
      onLose: () => void this.follow(),
    });
  }

  get id(): string {
    return this.lease.id;
  }

  start(): void {
    this.lease.start();
  }

  /** Leave the election (handing the lease over at once) and stop evaluating and sending. */
  async stop(): Promise<void> {
    await this.lease.stop();
    await this.follow();
  }

  /** Whether this console evaluates the rules now. */
  isLeader(): boolean {
    return this.lease.isLeader();
  }

  /** Run one evaluation now (tests; a leader only). */
  async evaluateNow(): Promise<void> {
    if (this.engine) await this.tick();
  }

  private lead(): void {
    const leading = () => this.lease.isLeader();
    this.sender = new DeliverySender({
      redis: this.opts.redis,
      logger: this.opts.logger,
      leading,
      retry: this.opts.retry,
      pollMs: this.opts.sendPollMs,
      timeoutMs: this.opts.sendTimeoutMs,
    });
    this.engine = new AlertEngine({
      redis: this.opts.redis,
      logger: this.opts.logger,
      publicUrl: this.opts.publicUrl,
      leading,
      onQueued: () => this.sender?.kick(),
    });
    this.sender.start();
    this.timer = setInterval(() => void this.tick(), this.opts.periodMs ?? 2_000);
    this.timer.unref();
    void this.tick();
  }

  private async follow(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.engine = undefined;
    const sender = this.sender;
    this.sender = undefined;
    await Promise.all([sender?.stop(), this.ticking]);
  }

  /** One evaluation; a pass still running (slow Redis) is not doubled. */
  private tick(): Promise<void> {
    const engine = this.engine;
    if (!engine) return Promise.resolve();
    if (this.ticking) return this.ticking;
    this.ticking = engine
      .tick()
      .then(() => this.opts.onEvaluated?.())
      .catch((err: Error) => this.opts.logger?.warn('alert evaluation failed', { error: err.message }))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }
}
