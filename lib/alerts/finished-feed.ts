import type { RedisConnection } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { luaScript } from '../queue/lua-script';

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

// KEYS[1]: a finished set (scored by finish time). ARGV: the queue's key prefix, from (ms, inclusive), page size, with reasons (1/0), max reason bytes.
const READ = luaScript(`
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i = 1, #rows, 2 do
  local f = redis.call('HMGET', ARGV[1] .. rows[i], 'name', 'failedReason')
  local reason = ''
  if ARGV[4] == '1' then
    reason = f[2] or ''
    if #reason > tonumber(ARGV[5]) then reason = string.sub(reason, 1, tonumber(ARGV[5])) end
  end
  out[#out + 1] = { rows[i], rows[i + 1], f[1] or '', reason }
end
return out
`);

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

  /** Read what finished on `queues` since the last update; keep `keepMs` of history. */
  async update(queues: readonly string[], keepMs: number, now = Date.now()): Promise<void> {
    await Promise.all(queues.flatMap((q) => [this.readSet(q, 'completed', now - keepMs), this.readSet(q, 'failed', now - keepMs)]));
    this.prune(now - keepMs);
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

  private async readSet(queue: string, state: 'completed' | 'failed', floor: number): Promise<void> {
    const prefix = env().CELERITY_PREFIX;
    const key = `${queue}\0${state}`;
    const seen = this.seen.get(key) ?? new Map<string, number>();
    this.seen.set(key, seen);
    let from = Math.max(floor, (this.cursors.get(key) ?? floor) - OVERLAP_MS);
    for (;;) {
      const rows = (await READ.run(
        this.redis,
        [bullKey(queue, state, prefix)],
        [bullKey(queue, '', prefix), from, PAGE, state === 'failed' ? '1' : '0', REASON_MAX_BYTES],
      )) as string[][];
      let fresh = 0;
      for (const [id, scoreText, task, reason] of rows) {
        const at = Number(scoreText);
        if (seen.has(id!)) continue;
        fresh++;
        seen.set(id!, at);
        this.count(queue, task!, at, state);
        if (state === 'failed') this.failures.push({ queue, id: id!, task: task!, at, reason: reason! });
        from = Math.max(from, at);
        this.cursors.set(key, Math.max(this.cursors.get(key) ?? 0, at));
      }
      // A full page moves on from its last score (inclusive: ties are deduplicated); a page of
      // nothing new means a run of equal scores longer than a page — stop rather than loop.
      if (rows.length < PAGE || fresh === 0) break;
    }
    if (!this.cursors.has(key)) this.cursors.set(key, floor);
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
