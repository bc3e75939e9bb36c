import type { RedisConnection } from '../lib/redis';

/**
 * Write completed jobs straight in BullMQ's key layout with a server-side Lua
 * script, 10,000 per call (~80k jobs/s here; seeding 1M through real workers
 * would take minutes). The jobs read back through BullMQ like any other.
 * Names cycle through `task0`…`task9`; every 1,000th job's result holds the
 * word "needle" so a search has a known answer.
 */
const SEED = `
local prefix = KEYS[1]
local from = tonumber(ARGV[1])
local to = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local opts = '{"attempts":1,"removeOnComplete":false}'
for i = from, to do
  local id = tostring(i)
  local finished = base + i
  local result = (i % 1000 == 0) and '{"ok":true,"note":"needle ' .. id .. '"}' or '{"ok":true,"n":' .. id .. '}'
  redis.call('HSET', prefix .. id,
    'name', 'task' .. (i % 10),
    'data', '{"i":' .. id .. ',"customer":"c' .. (i % 977) .. '"}',
    'opts', opts,
    'timestamp', finished - 20,
    'delay', 0,
    'priority', 0,
    'processedOn', finished - 10,
    'finishedOn', finished,
    'returnvalue', result,
    'atm', 1,
    'ats', 1)
  redis.call('ZADD', prefix .. 'completed', finished, id)
end
redis.call('SET', prefix .. 'id', to)
redis.call('HSETNX', prefix .. 'meta', 'opts.maxLenEvents', 10000)
return to - from + 1
`;

/**
 * One timeline for every call: job i finished at BASE + i ms, so the newest
 * jobs are the highest ids however the set was grown (and the needles stay
 * one in a thousand in finish order). 1M jobs end about now.
 */
const BASE = Date.now() - 1_000_000;

/** Grow the queue's completed set from `have` to `want` jobs. */
export async function seedCompleted(redis: RedisConnection, prefix: string, queue: string, have: number, want: number): Promise<void> {
  for (let from = have + 1; from <= want; from += 10_000) {
    const to = Math.min(want, from + 9_999);
    await redis.eval(SEED, 1, `${prefix}:${queue}:`, String(from), String(to), String(BASE));
  }
}
