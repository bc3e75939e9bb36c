import { getRedis, pipelined } from '../redis';
import { bullKey } from '../keys';
import type { Logger } from '../logger';
import type { ThroughputPoint } from './contract';
import type { BatchSummary } from './stream-entries';
import { CounterDeltas, ThroughputWindow, type ThroughputSnapshot } from './throughput';

export interface ThroughputTicksOptions {
  logger: Logger;
  /** The queues to count (those the relay reads). */
  queues(): string[];
  redisUp(): boolean;
  /** How much per-second throughput is kept for pages that open. */
  windowMs?: number;
  /** After a second in which jobs completed: the dashboard's task timings may have changed. */
  onCompleted(): void;
}

/**
 * The completed and failed jobs of each second. Once a second, just after it
 * ends, the per-minute metrics counters BullMQ keeps (`count`, one HGET per
 * queue and outcome) give that second's jobs exactly, even when events were
 * skipped or trimmed; queues whose workers record no metrics count the events
 * seen instead. The last minutes stay in memory for pages that open; the new
 * seconds wait for the next dashboard frame.
 */
export class ThroughputTicks {
  /** Completed/failed events seen per queue since the last tick (queues whose workers record no metrics). */
  private readonly tallies = new Map<string, { completed: number; failed: number }>();
  private readonly counters = new CounterDeltas();
  private readonly window: ThroughputWindow;
  private pending: ThroughputPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: ThroughputTicksOptions) {
    this.window = new ThroughputWindow(opts.windowMs);
  }

  /** Tick once a second until stopped. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleTick();
  }

  /** No more ticks; the window keeps what it holds. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Count a batch's completed and failed events (used only for queues without metrics). */
  count(queue: string, batch: BatchSummary): void {
    if (batch.completed === 0 && batch.failed === 0) return;
    const tally = this.tallies.get(queue);
    if (tally) {
      tally.completed += batch.completed;
      tally.failed += batch.failed;
    } else this.tallies.set(queue, { completed: batch.completed, failed: batch.failed });
  }

  /** A queue that is gone is no longer counted. */
  forget(queue: string): void {
    this.tallies.delete(queue);
  }

  /** The per-second throughput of the last minutes, for a page's snapshot. */
  snapshot(): ThroughputSnapshot {
    return this.window.snapshot();
  }

  /** The seconds recorded since the last call (with at least one job), for the next dashboard frame. */
  take(): ThroughputPoint[] {
    return this.pending.splice(0);
  }

  /** Nobody watches the dashboard: the new seconds stay in the window only. */
  drop(): void {
    this.pending = [];
  }

  /** Once a second, just after the second ends: the completed and failed jobs of that second. */
  private scheduleTick(): void {
    const now = Date.now();
    const next = Math.floor(now / 1000) * 1000 + 1000;
    this.timer = setTimeout(
      () => {
        void this.tick(next - 1000).finally(() => this.running && this.scheduleTick());
      },
      next - now + 5,
    );
  }

  private async tick(second: number): Promise<void> {
    const queues = this.opts.queues();
    if (queues.length === 0 || !this.opts.redisUp()) return;
    try {
      const { completed, failed } = await this.countSecond(queues);
      this.tallies.clear();
      const point = this.window.record(second, completed, failed);
      if (point && (completed > 0 || failed > 0)) {
        this.pending.push(point);
        if (completed > 0) this.opts.onCompleted();
      }
    } catch (err) {
      this.opts.logger.debug('throughput tick failed', { error: (err as Error).message });
    }
  }

  /** The jobs finished since the previous tick, over all queues: from the metrics counters, else from the events seen. */
  private async countSecond(queues: string[]): Promise<{ completed: number; failed: number }> {
    // Queues on several cluster nodes: `pipelined` sends them as one pipeline only on a single Redis.
    const replies = await pipelined(
      getRedis(),
      queues.flatMap((q) => [['HGET', bullKey(q, 'metrics:completed'), 'count'] as const, ['HGET', bullKey(q, 'metrics:failed'), 'count'] as const]),
    );
    const total = { completed: 0, failed: 0 };
    queues.forEach((q, i) => {
      const tally = this.tallies.get(q) ?? { completed: 0, failed: 0 };
      (['completed', 'failed'] as const).forEach((kind, k) => {
        const [err, raw] = replies[i * 2 + k] ?? [];
        const hasMetrics = !err && raw !== null && raw !== undefined;
        // A missing counter is zero (its hash appears with the first job that finishes).
        const d = this.counters.delta(`${q}\u0000${kind}`, hasMetrics ? Number(raw) : 0);
        // Workers that record no metrics (plain BullMQ without `metrics`): the events seen are counted instead.
        total[kind] += hasMetrics ? (d ?? 0) : tally[kind];
      });
    });
    return total;
  }
}
