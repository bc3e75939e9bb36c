import { getRedis } from '../redis';
import { checkRedis } from '../health';
import type { Logger } from '../logger';
import type { StatusFrame } from './contract';

export interface RedisHealthOptions {
  logger: Logger;
  /** How often Redis is pinged. */
  everyMs?: number;
  /** Redis went down or came back (called once per change, after it is logged). */
  onChange(up: boolean): void;
}

/** Pings the console's Redis every ~2 s and remembers whether it is up, and since when, for the `status` frame. */
export class RedisHealth {
  private up = true;
  private since = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RedisHealthOptions) {}

  /** Ping now, then every `everyMs`. */
  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.check(), this.opts.everyMs ?? 2000);
    void this.check();
  }

  /** No more pings. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether Redis answered the last ping (true until a ping says otherwise). */
  isUp(): boolean {
    return this.up;
  }

  /** Redis health as last seen: the `status` frame. */
  status(): StatusFrame {
    return { v: 1, redis: this.up ? 'up' : 'down', since: this.since };
  }

  private async check(): Promise<void> {
    const s = await checkRedis(getRedis());
    const up = s.redis === 'up';
    if (up === this.up) return;
    this.up = up;
    this.since = Date.now();
    this.opts.logger[up ? 'info' : 'warn'](up ? 'Redis is back' : 'Redis unavailable', { error: s.error });
    this.opts.onChange(up);
  }
}
