import type { RedisConnection } from '../redis';
import { writeHeartbeat, clearHeartbeat, type Heartbeat } from './heartbeat';
import type { RedisOutage } from './redis-outage';
import { localAddressOf } from './local-address';

/**
 * Writes a worker's heartbeat now and every `intervalMs`, one write at a time.
 * While Redis is away a write waits for a reconnect, and beats queued behind
 * it would all fail together (and be logged together) when it gives up; a beat
 * asked for meanwhile runs once after it, so a state change is still published.
 */
export class HeartbeatLoop {
  private beating: Promise<void> | undefined;
  private beatAgain = false;
  private timer: NodeJS.Timeout | undefined;
  /** The connection's last known local address, kept while it reconnects (a write then waits for the new socket). */
  private address: string | undefined;

  constructor(
    private readonly redis: RedisConnection,
    /** Builds the heartbeat at the moment of each write (state, running jobs, counters). */
    private readonly read: () => Heartbeat,
    private readonly outage: RedisOutage,
    /** Told when each write Redis acknowledged was sent (the lock fence counts from there: lock-fence.ts). */
    private readonly onWritten?: (sentAt: number) => void,
  ) {}

  /** Write the heartbeat now, or once more after the write under way; resolves when written (or failed, logged). */
  beat(): Promise<void> {
    if (this.beating) {
      this.beatAgain = true;
      return this.beating;
    }
    this.beating = this.writeUntilCurrent().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async writeUntilCurrent(): Promise<void> {
    do {
      this.beatAgain = false;
      const sentAt = Date.now();
      await writeHeartbeat(this.redis, this.withAddress(this.read())).then(
        () => {
          this.onWritten?.(sentAt);
          this.outage.succeeded();
        },
        (err: Error) => void this.outage.report('heartbeat failed', err),
      );
    } while (this.beatAgain);
  }

  /** The heartbeat with the address of the connection that writes it (the worker's own connection to Redis). */
  private withAddress(hb: Heartbeat): Heartbeat {
    this.address = localAddressOf(this.redis) ?? this.address;
    return this.address && !hb.address ? { ...hb, address: this.address } : hb;
  }

  /** Beat every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.beat(), intervalMs);
    this.timer.unref();
  }

  /** No more periodic beats; a write under way still ends. */
  stopTimer(): void {
    clearInterval(this.timer);
  }

  /**
   * Remove the heartbeat (the worker is shown gone at once, not lost). It waits
   * for the write under way first: one still going would write it back.
   */
  async clear(id: string): Promise<void> {
    await this.beating;
    await clearHeartbeat(this.redis, id);
  }
}
