import type { RedisConnection } from '../redis';
import { env } from '../env';
import { queueKeyPrefix } from '../keys';
import { HELD_FIELD } from '../limits/throttle-gate';
import { luaScript } from './lua-script';
import { stateKeys } from './job-rows';

/**
 * The jobs of a queue that its tasks' limits hold back (a hold record,
 * `cel:held`, in the hash of a job waiting to be taken), found inside Redis by
 * one Lua call: it looks at the first `perKey` jobs of the delayed set (the
 * soonest due: where held jobs wait), the prioritized set and the wait list,
 * and answers only the held ones — a bounded read whatever the queue's size.
 */

/** Jobs looked at per key (delayed, prioritized, wait, paused) by one summary read. */
export const HELD_SCAN_PER_KEY = 200;

// KEYS: the keys of the states to look at; ARGV[2 + i]: whether KEYS[i] is a list.
const FIND = luaScript(`
local jobPrefix, perKey = ARGV[1], tonumber(ARGV[2])
local out = {}
local scanned = 0
local complete = 1
for k = 1, #KEYS do
  local ids
  if ARGV[2 + k] == '1' then ids = redis.call('LRANGE', KEYS[k], 0, perKey) else ids = redis.call('ZRANGE', KEYS[k], 0, perKey) end
  if #ids > perKey then complete = 0 ids[#ids] = nil end
  for i = 1, #ids do
    scanned = scanned + 1
    local v = redis.call('HMGET', jobPrefix .. ids[i], 'name', '${HELD_FIELD}', 'ats')
    if v[2] then out[#out + 1] = { ids[i], v[1] or '', v[2], v[3] or '', k } end
  end
end
return { out, scanned, complete }
`);

/** A job found with a hold record (maybe stale: the caller checks it against the job's `ats` and state). */
export interface HeldJobRow {
  id: string;
  task: string;
  held: string;
  attemptsStarted: number | null;
  state: 'delayed' | 'prioritized' | 'waiting';
}

export interface HeldScan {
  rows: HeldJobRow[];
  /** Jobs looked at. */
  scanned: number;
  /** Whether every job waiting to be taken was looked at (else only the first HELD_SCAN_PER_KEY of each state). */
  complete: boolean;
}

const LOOKED_AT = [
  { state: 'delayed', list: false },
  { state: 'prioritized', list: false },
  { state: 'waiting', list: true },
] as const;

/** The held jobs among the first `perKey` jobs of each waiting state of `queue`. */
export async function findHeldJobs(redis: RedisConnection, queue: string, perKey = HELD_SCAN_PER_KEY): Promise<HeldScan> {
  const prefix = env().CELERITY_PREFIX;
  const keys: string[] = [];
  const states: HeldJobRow['state'][] = [];
  const lists: string[] = [];
  for (const { state, list } of LOOKED_AT) {
    for (const key of stateKeys(prefix, queue, state)) {
      keys.push(key);
      states.push(state);
      lists.push(list ? '1' : '0');
    }
  }
  const [rows, scanned, complete] = (await FIND.run(redis, keys, [queueKeyPrefix(queue, prefix), perKey, ...lists])) as [
    [string, string, string, string, number][],
    number,
    number,
  ];
  return {
    rows: rows.map(([id, task, held, ats, k]) => ({ id, task, held, attemptsStarted: ats === '' ? null : Number(ats), state: states[k - 1]! })),
    scanned,
    complete: complete === 1,
  };
}
