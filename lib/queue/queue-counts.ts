import type { RedisConnection } from '../redis';
import { env } from '../env';
import { queueKeyPrefix } from '../keys';
import { JOB_STATES, type QueueCounts } from '../data/queue-states';
import { luaScript } from './lua-script';
import { STATE_KEYS, stateKeys } from './job-rows';

/**
 * A queue's job counts and its oldest waiting job, read from the same keys the
 * job list pages through (STATE_KEYS): BullMQ's own getJobCounts leaves out the
 * `paused` list a BullMQ 5 producer fills while the queue is paused.
 */

// A list whose tail starts with '0:' ends with a marker of BullMQ ≤ 4, not a job.
const MARKER_FN = `
local function hasMarker(key)
  local last = redis.call('LINDEX', key, -1)
  return last and string.sub(last, 1, 2) == '0:'
end
`;

// KEYS: every state's keys in turn; ARGV: per state, how many keys it has and '1' for lists.
const COUNTS = luaScript(`${MARKER_FN}
local out = {}
local k = 1
for s = 1, #ARGV, 2 do
  local n = 0
  for _ = 1, tonumber(ARGV[s]) do
    if ARGV[s + 1] == '1' then
      n = n + redis.call('LLEN', KEYS[k])
      if hasMarker(KEYS[k]) then n = n - 1 end
    else
      n = n + redis.call('ZCARD', KEYS[k])
    end
    k = k + 1
  end
  out[#out + 1] = n
end
return out
`);

/** Job counts per state for one queue (one Lua call). */
export async function readQueueCounts(redis: RedisConnection, queue: string): Promise<QueueCounts> {
  const prefix = env().CELERITY_PREFIX;
  const keys = JOB_STATES.flatMap((s) => stateKeys(prefix, queue, s));
  const args = JOB_STATES.flatMap((s) => [STATE_KEYS[s].keys.length, STATE_KEYS[s].list ? '1' : '0']);
  const counts = (await COUNTS.run(redis, keys, args)) as number[];
  return Object.fromEntries(JOB_STATES.map((s, i) => [s, counts[i] ?? 0])) as QueueCounts;
}

// Waiting lists are LPUSHed, so each one's oldest job is at its tail (a LIFO job would be at the head: rare, ignored).
// KEYS: the waiting state's lists; the oldest of their tails' creation times.
const OLDEST_WAITING = luaScript(`${MARKER_FN}
local oldest, oldestText = false, false
for k = 1, #KEYS do
  local id = redis.call('LINDEX', KEYS[k], -1)
  if id and hasMarker(KEYS[k]) then id = redis.call('LINDEX', KEYS[k], -2) end
  local text = id and redis.call('HGET', ARGV[1] .. id, 'timestamp')
  local ts = text and tonumber(text)
  if ts and (not oldest or ts < oldest) then oldest, oldestText = ts, text end
end
return oldestText
`);

/** When the oldest waiting job was created (null: nothing waiting). Prioritized jobs are not counted. */
export async function readOldestWaitingAt(redis: RedisConnection, queue: string): Promise<number | null> {
  const prefix = env().CELERITY_PREFIX;
  const ts = (await OLDEST_WAITING.run(redis, stateKeys(prefix, queue, 'waiting'), [queueKeyPrefix(queue, prefix)])) as string | null;
  const n = ts === null ? NaN : Number(ts);
  return Number.isFinite(n) ? n : null;
}
