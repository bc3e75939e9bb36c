import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { luaScript } from '../queue/lua-script';
import { alertKeys } from './alert-keys';
import { readChannel, recordChannelOutcome } from './channel-store';
import { sendToChannel, SEND_TIMEOUT_MS } from './channel-send';
import { trimDeliveries, type Delivery } from './deliveries';

export interface RetryPolicy {
  /** Attempts in all (the first included) before a delivery is marked failed. */
  attempts: number;
  /** Wait before the second attempt; doubled each time, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 2_000, maxMs: 300_000 };

export interface DeliverySenderOptions {
  redis: RedisConnection;
  logger?: Logger;
  /** Checked before each batch: only the evaluator's leader sends. */
  leading: () => boolean;
  retry?: Partial<RetryPolicy>;
  /** How often due deliveries are looked for (a new notification also wakes the sender at once). */
  pollMs?: number;
  timeoutMs?: number;
}

/**
 * Take the due deliveries and push each one's due time past the longest attempt:
 * a sender that dies mid-send leaves them to be retried after that, never twice at once.
 */
const CLAIM = luaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
`);

const BATCH = 20;

/**
 * Sends queued deliveries on the evaluator's leader: each due delivery is
 * claimed, sent once, and recorded (delivered; or retried later with
 * exponential backoff; or failed after the last attempt). Every outcome also
 * updates its channel's health, so a broken channel shows in the console.
 */
export class DeliverySender {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private draining: Promise<void> | undefined;
  private again = false;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private lastTrim = 0;

  constructor(private readonly opts: DeliverySenderOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 500);
    this.timer.unref();
    this.kick();
  }

  /** Stop polling and wait for the sends under way. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.draining;
  }

  /** Look for due deliveries now (after a transition queued some). */
  kick(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: Error) => this.opts.logger?.warn('alert deliveries: a pass failed', { error: err.message }))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    const { redis } = this.opts;
    const k = alertKeys();
    for (;;) {
      if (!this.running || !this.opts.leading()) return;
      const now = Date.now();
      // Claimed past the whole attempt (timeout plus a margin for recording the outcome).
      const ids = (await CLAIM.run(redis, [k.due], [now, now + this.timeoutMs + 15_000, BATCH])) as string[];
      if (ids.length === 0) break;
      const rows = await redis.hmget(k.deliveries, ...ids);
      await Promise.all(
        ids.map((id, i) => {
          const json = rows[i];
          // A record trimmed or removed meanwhile: nothing to send.
          if (!json) return redis.zrem(k.due, id);
          return this.attempt(JSON.parse(json) as Delivery);
        }),
      );
      if (ids.length < BATCH) break;
    }
    if (Date.now() - this.lastTrim > 60_000) {
      this.lastTrim = Date.now();
      await trimDeliveries(redis);
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const { redis } = this.opts;
    const k = alertKeys();
    let error: string | null = null;
    try {
      const channel = await readChannel(redis, d.channel);
      if (!channel) throw new Error(`no channel "${d.channel}"`);
      await sendToChannel(channel.config, { ...d.message, sentAt: Date.now() }, d.id, this.timeoutMs);
    } catch (err) {
      error = (err as Error).message;
    }
    const now = Date.now();
    const attempts = d.attempts + 1;
    const last = error !== null && attempts >= this.retry.attempts;
    const next: Delivery = {
      ...d,
      attempts,
      updatedAt: now,
      lastError: error,
      status: error === null ? 'delivered' : last ? 'failed' : 'pending',
      deliveredAt: error === null ? now : null,
    };
    const tx = redis.multi().hset(k.deliveries, d.id, JSON.stringify(next));
    if (next.status === 'pending') tx.zadd(k.due, now + this.backoff(attempts), d.id);
    else tx.zrem(k.due, d.id);
    await tx.exec();
    await recordChannelOutcome(redis, d.channel, error, now);
    if (error) this.opts.logger?.warn('alert delivery failed', { delivery: d.id, channel: d.channel, attempts, error, final: last });
  }

  /** The wait after `attempts` failed attempts: base·2^(n−1), capped, ±20 % so retries of many deliveries spread out. */
  private backoff(attempts: number): number {
    const plain = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempts - 1));
    return Math.round(plain * (0.8 + Math.random() * 0.4));
  }
}
