import { env } from '../env';
import { bullKey } from '../keys';
import { getRedis } from '../redis';
import { luaScript } from '../queue/lua-script';
import type { TaskTiming, Timings } from '../events/contract';

/** Recent completed jobs looked at per queue. */
export const TIMING_SAMPLE = 200;
/** A sample this young is reused (the relay and every page's snapshot share it). */
export const TIMINGS_MAX_AGE_MS = 5_000;

// The newest completed jobs (the set is scored by finish time) and the four times that matter.
const RECENT = luaScript(`
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {}
for i = 1, #ids do
  local v = redis.call('HMGET', ARGV[1] .. ids[i], 'name', 'timestamp', 'delay', 'processedOn', 'finishedOn')
  if v[1] and v[4] and v[5] then out[#out + 1] = { v[1], v[2] or '', v[3] or '0', v[4], v[5] } end
end
return out
`);

/** Nearest-rank percentile of sorted numbers. */
export function percentileOf(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One job's wait (enqueue, or end of its delay → start) and run (start → end) times, ms. */
export function jobTimes(timestamp: number, delay: number, processedOn: number, finishedOn: number): { wait: number; run: number } {
  return { wait: Math.max(0, processedOn - timestamp - Math.max(0, delay)), run: Math.max(0, finishedOn - processedOn) };
}

type Holder = { __celerityTimings?: { key: string; value: Timings; running?: Promise<Timings> } };
const holder = globalThis as unknown as Holder;

/**
 * Wait and run time p50/p95 per task, from the newest `perQueue` completed
 * jobs of each queue: a bounded sample (one Lua call per queue, pipelined),
 * not a scan, so its cost does not grow with the job rate or the history.
 * A retried job's wait counts from its creation to its last start.
 * Results younger than {@link TIMINGS_MAX_AGE_MS} are reused.
 */
export async function readTaskTimings(unordered: readonly string[], perQueue = TIMING_SAMPLE, maxAgeMs = TIMINGS_MAX_AGE_MS): Promise<Timings> {
  const queues = [...unordered].sort();
  const key = `${env().CELERITY_PREFIX}\u0000${perQueue}\u0000${queues.join('\u0000')}`;
  const cached = holder.__celerityTimings;
  if (cached && cached.key === key && Date.now() - cached.value.at < maxAgeMs) return cached.value;
  if (cached?.key === key && cached.running) return cached.running;
  const running = sample(queues, perQueue);
  holder.__celerityTimings = { key, value: cached?.value ?? { at: 0, perQueue, tasks: [] }, running };
  try {
    const value = await running;
    holder.__celerityTimings = { key, value };
    return value;
  } catch (err) {
    if (holder.__celerityTimings?.running === running) holder.__celerityTimings = undefined;
    throw err;
  }
}

async function sample(queues: readonly string[], perQueue: number): Promise<Timings> {
  const prefix = env().CELERITY_PREFIX;
  const redis = getRedis();
  const at = Date.now();
  const replies = await Promise.all(
    queues.map((q) => RECENT.run(redis, [bullKey(q, 'completed', prefix)], [bullKey(q, '', prefix), perQueue]) as Promise<string[][]>),
  );
  const byTask = new Map<string, { queue: string; task: string; waits: number[]; runs: number[] }>();
  replies.forEach((rows, i) => {
    const queue = queues[i]!;
    for (const [task, ts, delay, processedOn, finishedOn] of rows) {
      const [t, d, p, f] = [Number(ts), Number(delay), Number(processedOn), Number(finishedOn)];
      if (![t, p, f].every(Number.isFinite)) continue;
      const k = `${queue}\u0000${task}`;
      let e = byTask.get(k);
      if (!e) byTask.set(k, (e = { queue, task: task!, waits: [], runs: [] }));
      const { wait, run } = jobTimes(t, Number.isFinite(d) ? d : 0, p, f);
      e.waits.push(wait);
      e.runs.push(run);
    }
  });
  const tasks: TaskTiming[] = [...byTask.values()].map(({ queue, task, waits, runs }) => {
    waits.sort((a, b) => a - b);
    runs.sort((a, b) => a - b);
    return {
      queue,
      task,
      samples: waits.length,
      waitP50: percentileOf(waits, 50),
      waitP95: percentileOf(waits, 95),
      runP50: percentileOf(runs, 50),
      runP95: percentileOf(runs, 95),
    };
  });
  tasks.sort((a, b) => a.queue.localeCompare(b.queue) || a.task.localeCompare(b.task));
  return { at, perQueue, tasks };
}
