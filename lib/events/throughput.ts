import type { ThroughputPoint } from './contract';

/** The live throughput series a page starts from: every second after `upTo` arrives in frames. */
export interface ThroughputSnapshot {
  /** Start of the last second recorded (0: none yet). Points of frames with `t ≤ upTo` are already in here. */
  upTo: number;
  windowMs: number;
  /** Seconds with at least one completed or failed job, oldest first (the others were zero). */
  points: ThroughputPoint[];
}

/**
 * Completed and failed jobs per second over the last few minutes, in the
 * console's memory. Each second is recorded once, when it has ended, and
 * never changes afterwards, so a page can merge a snapshot and frames by
 * second without counting anything twice.
 */
export class ThroughputWindow {
  private points: ThroughputPoint[] = [];
  private last = 0;

  constructor(readonly windowMs = 5 * 60_000) {}

  /** Record one ended second (ignored unless later than the last one); returns the point. */
  record(t: number, completed: number, failed: number): ThroughputPoint | undefined {
    if (t <= this.last) return undefined;
    this.last = t;
    const point = { t, completed, failed };
    if (completed > 0 || failed > 0) this.points.push(point);
    const oldest = t - this.windowMs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop]!.t <= oldest) drop++;
    if (drop) this.points.splice(0, drop);
    return point;
  }

  snapshot(): ThroughputSnapshot {
    return { upTo: this.last, windowMs: this.windowMs, points: [...this.points] };
  }
}

/**
 * Per-second deltas of monotonic counters (BullMQ's metrics `count`, one per
 * queue and outcome). A counter seen for the first time sets the baseline; a
 * counter that went down was reset (queue obliterated, Redis emptied) and
 * counts from zero.
 */
export class CounterDeltas {
  private readonly base = new Map<string, number>();

  /** The increase since the previous reading of `key`; undefined on the first one. */
  delta(key: string, value: number): number | undefined {
    const prev = this.base.get(key);
    this.base.set(key, value);
    if (prev === undefined) return undefined;
    return value >= prev ? value - prev : value;
  }

  has(key: string): boolean {
    return this.base.has(key);
  }
}
