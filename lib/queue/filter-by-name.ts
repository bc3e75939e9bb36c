import type { RedisConnection } from '../redis';
import { env } from '../env';
import { queueKeyPrefix } from '../keys';
import type { JobStateName } from '../data/queue-states';
import { STATE_KEYS, stateKeys } from './job-rows';

/**
 * Jobs of one state whose name matches, newest first, found inside Redis by a
 * Lua script: it walks the state's list or sorted set in chunks, reads only
 * each job's `name` field, and stops once the page is full or `maxScan`
 * entries were read — so one request never blocks Redis for long, at any
 * queue size. The total is known only when the whole state was scanned.
 */
const SCRIPT = `
local jobPrefix = ARGV[1]
local wanted = ARGV[2]
local skip = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local maxScan = tonumber(ARGV[5])
local isList = ARGV[6] == '1'
local chunk = 500
local found = {}
local matched = 0
local scanned = 0
local exhausted = 1
-- KEYS: the state's keys, walked as one sequence.
for k = 1, #KEYS do
  local key = KEYS[k]
  local size
  if isList then size = redis.call('LLEN', key) else size = redis.call('ZCARD', key) end
  local pos = 0
  while pos < size do
    if scanned >= maxScan or (#found >= limit and matched > skip + limit) then exhausted = 0 break end
    local ids
    if isList then
      ids = redis.call('LRANGE', key, pos, pos + chunk - 1)
    else
      ids = redis.call('ZREVRANGE', key, pos, pos + chunk - 1)
    end
    if #ids == 0 then break end
    for i = 1, #ids do
      scanned = scanned + 1
      local name = redis.call('HGET', jobPrefix .. ids[i], 'name')
      if name == wanted then
        matched = matched + 1
        if matched > skip and #found < limit then found[#found + 1] = ids[i] end
      end
    end
    pos = pos + #ids
  end
  if exhausted == 0 then break end
end
return { found, matched, scanned, exhausted }
`;

export interface NameFilterPage {
  ids: string[];
  /** Matches seen so far (all of them when `complete`). */
  matched: number;
  /** Whether the whole state was scanned (then `matched` is the exact total). */
  complete: boolean;
  /** Whether there are more matches after this page. */
  more: boolean;
}

/** One page of job ids in `state` named `name` (skip `offset` matches, take `limit`). */
export async function filterJobsByName(
  redis: RedisConnection,
  queue: string,
  state: JobStateName,
  name: string,
  offset: number,
  limit: number,
  maxScan = 200_000,
): Promise<NameFilterPage> {
  const prefix = env().CELERITY_PREFIX;
  const keys = stateKeys(prefix, queue, state);
  const [ids, matched, , exhausted] = (await redis.eval(
    SCRIPT,
    keys.length,
    ...keys,
    queueKeyPrefix(queue, prefix),
    name,
    String(offset),
    String(limit),
    String(maxScan),
    STATE_KEYS[state].list ? '1' : '0',
  )) as [string[], number, number, number];
  return { ids, matched, complete: exhausted === 1, more: matched > offset + ids.length };
}
