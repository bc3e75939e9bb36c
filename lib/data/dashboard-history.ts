import { getQueue } from '../queue/queue-registry';
import type { ThroughputPoint } from '../events/contract';

export const HISTORY_RANGES = { '1h': { minutes: 60, bucketMinutes: 1 }, '24h': { minutes: 1440, bucketMinutes: 15 } } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;

export interface ThroughputHistoryDTO {
  range: HistoryRange;
  /** Width of each point (ms); `t` is the bucket's start. */
  bucketMs: number;
  from: number;
  to: number;
  /** Oldest first, one per bucket, zeros included. */
  points: ThroughputPoint[];
  totals: { completed: number; failed: number };
}

/** How long a history read is reused (it changes once a minute; every page asks for it). */
const CACHE_MS = 15_000;
const MINUTE = 60_000;

/** BullMQ's per-minute metrics as `minute start (ms) → count`. */
export interface MetricsReading {
  meta: { count: number; prevTS: number; prevCount: number };
  data: number[];
}

/**
 * Turn a `getMetrics()` reading into counts per minute. The worker pushes a
 * minute's count when the first job of a later minute finishes (newest first:
 * `data[0]` is the minute before the one of `prevTS`), and the minute of
 * `prevTS` is still open: its count so far is `count − prevCount`.
 */
export function minutesFromMetrics(m: MetricsReading): Map<number, number> {
  const out = new Map<number, number>();
  if (!m.meta.prevTS) return out;
  const current = Math.floor(m.meta.prevTS / MINUTE) * MINUTE;
  const open = m.meta.count - m.meta.prevCount;
  if (open > 0) out.set(current, open);
  m.data.forEach((n, i) => {
    if (n > 0) out.set(current - (i + 1) * MINUTE, n);
  });
  return out;
}

type Holder = { __celerityHistory?: Map<string, { at: number; value: Promise<ThroughputHistoryDTO> }> };
const holder = globalThis as unknown as Holder;

/**
 * Completed and failed jobs per minute (1 h) or per 15 minutes (24 h) over the
 * given queues, from the metrics BullMQ workers record when started with
 * `metrics` (Celerity's workers do). Cached for 15 s: the cost is the same
 * for one viewer or fifty.
 */
export function readThroughputHistory(unordered: readonly string[], range: HistoryRange, now = Date.now()): Promise<ThroughputHistoryDTO> {
  const queues = [...unordered].sort();
  holder.__celerityHistory ??= new Map();
  const key = `${range}\u0000${queues.join('\u0000')}`;
  const hit = holder.__celerityHistory.get(key);
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const value = compute(queues, range, now);
  holder.__celerityHistory.set(key, { at: now, value });
  value.catch(() => holder.__celerityHistory?.delete(key));
  return value;
}

async function compute(queues: readonly string[], range: HistoryRange, now: number): Promise<ThroughputHistoryDTO> {
  const { minutes, bucketMinutes } = HISTORY_RANGES[range];
  const bucketMs = bucketMinutes * MINUTE;
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const buckets = Math.ceil(minutes / bucketMinutes);
  const from = to - buckets * bucketMs;
  const points: ThroughputPoint[] = Array.from({ length: buckets }, (_, i) => ({ t: from + i * bucketMs, completed: 0, failed: 0 }));
  const readings = await Promise.all(
    queues.flatMap((q) => (['completed', 'failed'] as const).map(async (type) => ({ type, m: await getQueue(q).getMetrics(type, 0, minutes) }))),
  );
  for (const { type, m } of readings) {
    for (const [minute, n] of minutesFromMetrics(m)) {
      if (minute < from || minute >= to) continue;
      points[Math.floor((minute - from) / bucketMs)]![type] += n;
    }
  }
  const totals = points.reduce((t, p) => ({ completed: t.completed + p.completed, failed: t.failed + p.failed }), { completed: 0, failed: 0 });
  return { range, bucketMs, from, to, points, totals };
}
