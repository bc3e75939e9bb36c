import type { RedisConnection } from '../redis';
import { bullKey } from '../keys';

/**
 * Job duration histograms per queue, task and outcome, kept by the console.
 *
 * BullMQ keeps finished jobs in the `completed` and `failed` sorted sets,
 * scored by when they finished. Each scrape reads the jobs that finished since
 * the last one (from a watermark, at most {@link MAX_PER_SCAN} per set, the rest
 * next time) and adds `finishedOn − processedOn` to cumulative histograms, so
 * the buckets only ever grow, as Prometheus expects. Counting starts when the
 * console starts; a job removed (removeOnComplete) before a scrape sees it is
 * not counted.
 */

/** Bucket upper bounds in seconds: 5 ms … 1 h. */
export const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600] as const;
export const MAX_PER_SCAN = 2000;

export type Outcome = 'completed' | 'failed';

export interface DurationHistogram {
  queue: string;
  task: string;
  outcome: Outcome;
  /** Per bucket, not cumulative; one more than DURATION_BOUNDS (+Inf). */
  counts: number[];
  sumSeconds: number;
}

interface Watermark {
  score: number;
  /** Ids already counted whose score equals `score` (several jobs can finish in the same ms). */
  atScore: Set<string>;
}

interface State {
  since: number;
  marks: Map<string, Watermark>;
  hists: Map<string, DurationHistogram>;
  running?: Promise<void>;
}

type Holder = { __celerityDurations?: State };
const holder = globalThis as unknown as Holder;

function state(): State {
  // Counting starts when this process started (not at the first scrape).
  holder.__celerityDurations ??= { since: Math.floor(Date.now() - process.uptime() * 1000), marks: new Map(), hists: new Map() };
  return holder.__celerityDurations;
}

function observe(s: State, queue: string, task: string, outcome: Outcome, seconds: number): void {
  const key = `${queue}\u0000${task}\u0000${outcome}`;
  let h = s.hists.get(key);
  if (!h) {
    h = { queue, task, outcome, counts: new Array<number>(DURATION_BOUNDS.length + 1).fill(0), sumSeconds: 0 };
    s.hists.set(key, h);
  }
  let i = DURATION_BOUNDS.findIndex((b) => seconds <= b);
  if (i < 0) i = DURATION_BOUNDS.length;
  h.counts[i]!++;
  h.sumSeconds += seconds;
}

async function scanSet(redis: RedisConnection, s: State, queue: string, outcome: Outcome, prefix: string): Promise<void> {
  const markKey = `${queue}\u0000${outcome}`;
  const mark = s.marks.get(markKey) ?? { score: s.since, atScore: new Set<string>() };
  const rows = await redis.zrangebyscore(bullKey(queue, outcome, prefix), mark.score, '+inf', 'WITHSCORES', 'LIMIT', 0, MAX_PER_SCAN);
  const fresh: { id: string; score: number }[] = [];
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const id = rows[i]!;
    const score = Number(rows[i + 1]);
    if (score === mark.score && mark.atScore.has(id)) continue;
    fresh.push({ id, score });
  }
  if (fresh.length === 0) return;
  const pipe = redis.pipeline();
  for (const { id } of fresh) pipe.hmget(bullKey(queue, id, prefix), 'name', 'processedOn', 'finishedOn');
  const replies = (await pipe.exec()) ?? [];
  fresh.forEach(({ id, score }, i) => {
    const [err, v] = replies[i] ?? [];
    const [name, processedOn, finishedOn] = (err ? [] : (v as (string | null)[])) ?? [];
    if (name && processedOn && finishedOn) observe(s, queue, name, outcome, Math.max(0, Number(finishedOn) - Number(processedOn)) / 1000);
    if (score > mark.score) {
      mark.score = score;
      mark.atScore = new Set();
    }
    if (score === mark.score) mark.atScore.add(id);
  });
  s.marks.set(markKey, mark);
}

/** Bring the histograms up to date for these queues (one scan at a time per process). */
export async function scanDurations(redis: RedisConnection, queues: readonly string[], prefix: string): Promise<void> {
  const s = state();
  if (s.running) return s.running;
  s.running = (async () => {
    for (const q of queues) {
      for (const outcome of ['completed', 'failed'] as const) await scanSet(redis, s, q, outcome, prefix);
    }
  })().finally(() => {
    s.running = undefined;
  });
  return s.running;
}

/** The histograms so far, sorted by queue, task, outcome. */
export function durationHistograms(): DurationHistogram[] {
  return [...state().hists.values()].sort((a, b) => a.queue.localeCompare(b.queue) || a.task.localeCompare(b.task) || a.outcome.localeCompare(b.outcome));
}
