import type { RedisConnection } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { luaScript } from '../queue/lua-script';
import { groupBySlot } from './queue-figures';

/** A job that failed for good (in the failed set: its retries are used up). */
export interface FinalFailure {
  queue: string;
  id: string;
  task: string;
  at: number;
  reason: string;
}

const REASON_MAX_BYTES = 500;
/** Entries read per call; a backlog (a new leader reading its window back) takes several. */
const PAGE = 2_000;
/** Finish times are the workers' clocks, written a moment after they are taken: re-read this far back. */
const OVERLAP_MS = 1_500;

/**
 * KEYS: finished sets (scored by finish time), of any queues on one slot. ARGV[1]: page size, ARGV[2]: max
 * reason bytes; then per key: its queue's key prefix, from (ms, inclusive), with reasons (1/0).
 * Returns per key its rows { id, score, name, reason }.
 */
const READ = luaScript(`
local out = {}
local page, maxReason = tonumber(ARGV[1]), tonumber(ARGV[2])
for k = 1, #KEYS do
  local prefix, from, withReason = ARGV[k * 3], ARGV[k * 3 + 1], ARGV[k * 3 + 2]
  local rows = redis.call('ZRANGEBYSCORE', KEYS[k], from, '+inf', 'WITHSCORES', 'LIMIT', 0, page)
  local got = {}
  for i = 1, #rows, 2 do
    local f = redis.call('HMGET', prefix .. rows[i], 'name', 'failedReason')
    local reason = ''
    if withReason == '1' then
      reason = f[2] or ''
      if #reason > maxReason then reason = string.sub(reason, 1, maxReason) end
    end
    got[#got + 1] = { rows[i], rows[i + 1], f[1] or '', reason }
  end
  out[k] = got
end
return out
`);

type State = 'completed' | 'failed';
type Row = [id: string, score: string, task: string, reason: string];

type Counts = [completed: number, failed: number];

/**
 * Completed and failed jobs per queue and task, second by second, read
 * incrementally from BullMQ's finished sets (scored by finish time): each
 * evaluation reads only what finished since the last one (plus a short
 * overlap, deduplicated by job id). A new leader starts by reading its longest
 * window back, so rates are right from its first evaluation. Jobs a retention
 * of `removeOnComplete: true` removes at once are never seen (nor counted).
 */
export class FinishedFeed {
  private readonly cursors = new Map<string, number>();
  private readonly seen = new Map<string, Map<string, number>>();
  /** `queue\0task` and `queue\0` → second → counts. */
  private readonly buckets = new Map<string, Map<number, Counts>>();
  private failures: FinalFailure[] = [];

  constructor(private readonly redis: RedisConnection) {}

  /**
   * Read what finished on `queues` since the last update, both sets of every
   * queue in one script call per group of queues (one call on a single Redis);
   * keep `keepMs` of history.
   */
  async update(queues: readonly string[], keepMs: number, now = Date.now()): Promise<void> {
    const floor = now - keepMs;
    let pending = queues.flatMap((q) => [
      { queue: q, state: 'completed' as State },
      { queue: q, state: 'failed' as State },
    ]);
    const froms = new Map(pending.map((s) => [this.key(s), Math.max(floor, (this.cursors.get(this.key(s)) ?? floor) - OVERLAP_MS)]));
    while (pending.length) {
      const more: typeof pending = [];
      const prefix = env().CELERITY_PREFIX;
      const groups = groupBySlot(this.redis, (q) => bullKey(q, 'completed', prefix), [...new Set(pending.map((s) => s.queue))]);
      await Promise.all(
        groups.map(async (group) => {
          const sets = pending.filter((s) => group.includes(s.queue));
          const reply = (await READ.run(
            this.redis,
            sets.map((s) => bullKey(s.queue, s.state, prefix)),
            [PAGE, REASON_MAX_BYTES, ...sets.flatMap((s) => [bullKey(s.queue, '', prefix), froms.get(this.key(s))!, s.state === 'failed' ? '1' : '0'])],
          )) as Row[][];
          sets.forEach((s, i) => {
            const next = this.take(s.queue, s.state, reply[i]!, froms.get(this.key(s))!);
            if (next !== undefined) {
              froms.set(this.key(s), next);
              more.push(s);
            }
          });
        }),
      );
      pending = more;
    }
    for (const s of queues.flatMap((q) => [`${q}\0completed`, `${q}\0failed`])) if (!this.cursors.has(s)) this.cursors.set(s, floor);
    this.prune(floor);
  }

  /** Completed and failed jobs of a queue (or of one task on it) that finished at or after `from`. */
  counts(queue: string, task: string | undefined, from: number): { completed: number; failed: number } {
    const b = this.buckets.get(`${queue}\0${task ?? ''}`);
    let completed = 0;
    let failed = 0;
    const fromSec = Math.floor(from / 1000);
    for (const [sec, [c, f]] of b ?? []) {
      if (sec < fromSec) continue;
      completed += c;
      failed += f;
    }
    return { completed, failed };
  }

  /** Jobs of a queue (or task) that failed for good at or after `from`, newest last. */
  failuresSince(queue: string, task: string | undefined, from: number): FinalFailure[] {
    return this.failures.filter((f) => f.queue === queue && (task === undefined || f.task === task) && f.at >= from);
  }

  private key(s: { queue: string; state: State }): string {
    return `${s.queue}\0${s.state}`;
  }

  /**
   * Count a page of a finished set's rows (each job once: the overlap re-reads
   * some). Returns where to read the next page from when this one was full of
   * new rows; undefined when the set is read to its end (or a run of equal
   * scores longer than a page gave nothing new: stop rather than loop).
   */
  private take(queue: string, state: State, rows: Row[], from: number): number | undefined {
    const key = `${queue}\0${state}`;
    const seen = this.seen.get(key) ?? new Map<string, number>();
    this.seen.set(key, seen);
    let fresh = 0;
    for (const [id, scoreText, task, reason] of rows) {
      const at = Number(scoreText);
      if (seen.has(id)) continue;
      fresh++;
      seen.set(id, at);
      this.count(queue, task, at, state);
      if (state === 'failed') this.failures.push({ queue, id, task, at, reason });
      from = Math.max(from, at);
      this.cursors.set(key, Math.max(this.cursors.get(key) ?? 0, at));
    }
    return rows.length < PAGE || fresh === 0 ? undefined : from;
  }

  private count(queue: string, task: string, at: number, state: 'completed' | 'failed'): void {
    const sec = Math.floor(at / 1000);
    for (const k of [`${queue}\0`, `${queue}\0${task}`]) {
      let b = this.buckets.get(k);
      if (!b) this.buckets.set(k, (b = new Map()));
      const c = b.get(sec) ?? [0, 0];
      c[state === 'completed' ? 0 : 1]++;
      b.set(sec, c);
    }
  }

  private prune(floor: number): void {
    const floorSec = Math.floor(floor / 1000);
    for (const b of this.buckets.values()) for (const sec of b.keys()) if (sec < floorSec) b.delete(sec);
    for (const [key, seen] of this.seen) {
      const keepFrom = (this.cursors.get(key) ?? 0) - OVERLAP_MS * 2;
      for (const [id, at] of seen) if (at < keepFrom) seen.delete(id);
    }
    this.failures = this.failures.filter((f) => f.at >= floor);
  }
}
