import type { RedisConnection } from '../redis';
import { isCluster } from '../redis';
import { env } from '../env';
import { bullKey, queueKeyPrefix } from '../keys';
import { keySlot } from '../redis-slot';
import { luaScript } from '../queue/lua-script';

/** What the rules of one evaluation need of a queue. */
export interface QueueNeeds {
  /** Waiting, prioritized and active counts (backlog, no-worker rules). */
  counts: boolean;
  /** The oldest waiting job's creation time (backlog rules). */
  oldest: boolean;
  /** Active jobs that started more than this long ago (the smallest limit of the queue's long-running rules). */
  longerThanMs?: number;
}

export interface LongRunningJob {
  id: string;
  task: string;
  startedAt: number;
}

/** The figures of one queue at one evaluation. */
export interface QueueFigures {
  waiting: number;
  prioritized: number;
  active: number;
  /** Creation time of the oldest waiting job; null when none waits (or it was not asked for). */
  oldestWaitingAt: number | null;
  /** Active jobs that started before `now - longerThanMs`, at most LONG_MAX of them. */
  longRunning: LongRunningJob[];
}

/** Queues per script call: bounds how long one call holds Redis. */
const BATCH = 200;
const LONG_MAX = 100;
/** Active jobs looked at per queue for the long-running rules (the tail of the list: the longest-running). */
const ACTIVE_SCAN = 1000;

/**
 * KEYS: per queue its wait, paused, prioritized and active keys (4 each).
 * ARGV[1]: most long-running jobs to return per queue; ARGV[2]: active jobs scanned;
 * then per queue: its job key prefix, '1'/'0' counts, '1'/'0' oldest, long-running cutoff (ms; 0 = none).
 * Returns per queue { waiting, prioritized, active, oldest timestamp or '', { {id, name, processedOn}… } }.
 * A list whose tail is '0:…' ends with a marker of BullMQ ≤ 4, not a job (as lib/queue/queue-counts.ts).
 */
const FIGURES = luaScript(`
local function hasMarker(key)
  local last = redis.call('LINDEX', key, -1)
  return last and string.sub(last, 1, 2) == '0:'
end
local function listLen(key)
  local n = redis.call('LLEN', key)
  if n > 0 and hasMarker(key) then n = n - 1 end
  return n
end
local function oldestOf(prefix, keys)
  local oldest, text = false, ''
  for _, key in ipairs(keys) do
    local id = redis.call('LINDEX', key, -1)
    if id and string.sub(id, 1, 2) == '0:' then id = redis.call('LINDEX', key, -2) end
    local ts = id and redis.call('HGET', prefix .. id, 'timestamp')
    local n = ts and tonumber(ts)
    if n and (not oldest or n < oldest) then oldest, text = n, ts end
  end
  return text
end
local out = {}
local longMax, scan = tonumber(ARGV[1]), tonumber(ARGV[2])
for q = 0, #KEYS / 4 - 1 do
  local wait, paused, prio, active = KEYS[q * 4 + 1], KEYS[q * 4 + 2], KEYS[q * 4 + 3], KEYS[q * 4 + 4]
  local prefix, counts, oldest, cutoff = ARGV[q * 4 + 3], ARGV[q * 4 + 4], ARGV[q * 4 + 5], tonumber(ARGV[q * 4 + 6])
  local row = { 0, 0, 0, '', {} }
  if counts == '1' then
    row[1] = listLen(wait) + listLen(paused)
    row[2] = redis.call('ZCARD', prio)
    row[3] = listLen(active)
  end
  if oldest == '1' then row[4] = oldestOf(prefix, { wait, paused }) end
  if cutoff > 0 then
    -- Jobs enter the active list at its head: from the tail, the longest-running come first, so a
    -- rule with a longer limit than the cutoff's still finds its jobs among the first longMax.
    local ids = redis.call('LRANGE', active, -scan, -1)
    for i = #ids, 1, -1 do
      local id = ids[i]
      local f = redis.call('HMGET', prefix .. id, 'name', 'processedOn')
      local started = tonumber(f[2])
      if started and started < cutoff then
        row[5][#row[5] + 1] = { id, f[1] or '', f[2] }
        if #row[5] >= longMax then break end
      end
    end
  end
  out[#out + 1] = row
end
return out
`);

/**
 * Split queues into the groups one script call may read: all of them on one
 * Redis (in batches of BATCH); on a Redis Cluster, the queues of one hash slot
 * (a queue's keys share its slot; a script may not cross slots).
 */
export function groupBySlot(redis: RedisConnection, keyOf: (queue: string) => string, queues: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const q of queues) {
    const slot = isCluster(redis) ? keySlot(keyOf(q)) : 0;
    const g = groups.get(slot) ?? [];
    groups.set(slot, g);
    g.push(q);
  }
  return [...groups.values()].flatMap((g) => Array.from({ length: Math.ceil(g.length / BATCH) }, (_, i) => g.slice(i * BATCH, (i + 1) * BATCH)));
}

type Reply = [number, number, number, string, [string, string, string][]];

/**
 * The figures every queue's rules need, in one script call per group of queues
 * (one call in all on a single Redis), whatever the number of rules: each
 * figure is read once, and only the ones some rule asks for.
 */
export async function readQueueFigures(redis: RedisConnection, needs: ReadonlyMap<string, QueueNeeds>, now: number): Promise<Map<string, QueueFigures>> {
  const prefix = env().CELERITY_PREFIX;
  const out = new Map<string, QueueFigures>();
  const groups = groupBySlot(redis, (q) => bullKey(q, 'wait', prefix), [...needs.keys()]);
  await Promise.all(
    groups.map(async (queues) => {
      const keys = queues.flatMap((q) => ['wait', 'paused', 'prioritized', 'active'].map((part) => bullKey(q, part, prefix)));
      const args = queues.flatMap((q) => {
        const n = needs.get(q)!;
        return [queueKeyPrefix(q, prefix), n.counts ? '1' : '0', n.oldest ? '1' : '0', n.longerThanMs === undefined ? 0 : now - n.longerThanMs];
      });
      const rows = (await FIGURES.run(redis, keys, [LONG_MAX, ACTIVE_SCAN, ...args])) as Reply[];
      queues.forEach((q, i) => out.set(q, toFigures(rows[i]!)));
    }),
  );
  return out;
}

function toFigures([waiting, prioritized, active, oldest, long]: Reply): QueueFigures {
  const at = oldest === '' ? NaN : Number(oldest);
  return {
    waiting,
    prioritized,
    active,
    oldestWaitingAt: Number.isFinite(at) ? at : null,
    longRunning: long.map(([id, task, started]) => ({ id, task, startedAt: Number(started) })),
  };
}

/** Merge what another rule needs of the same queue into `into`. */
export function addNeeds(into: Map<string, QueueNeeds>, queue: string, need: Partial<QueueNeeds>): void {
  const n = into.get(queue) ?? { counts: false, oldest: false };
  into.set(queue, {
    counts: n.counts || !!need.counts,
    oldest: n.oldest || !!need.oldest,
    longerThanMs:
      need.longerThanMs === undefined ? n.longerThanMs : n.longerThanMs === undefined ? need.longerThanMs : Math.min(n.longerThanMs, need.longerThanMs),
  });
}
