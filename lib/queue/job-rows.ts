import type { RedisConnection } from '../redis';
import { env } from '../env';
import { bullKey, queueKeyPrefix } from '../keys';
import type { JobStateName } from '../data/queue-states';
import { luaScript } from './lua-script';
import { HELD_FIELD } from '../limits/throttle-gate';

/**
 * Rows of the queue page's job table, read inside Redis by one Lua call per
 * page: only the fields a row shows, with the arguments and the error cut
 * short there — so a page of jobs holding megabytes each still moves a few
 * kilobytes, and a page costs one round trip however many jobs it shows.
 */

/** Bytes of the arguments' JSON a row carries (the UI shows an excerpt of it). */
export const ROW_ARGS_BYTES = 300;
/** Bytes of the error message a row carries. A hold record (`cel:held`) is a few dozen bytes; a longer one is not ours and is left out. */
export const ROW_ERROR_BYTES = 500;

/**
 * Each state's keys under the queue's prefix, read as one sequence, and whether
 * they are lists (newest at the head) or sorted sets. Waiting jobs are in `wait`,
 * and also in `paused` when a BullMQ 5 producer paused the queue (BullMQ 6 keeps
 * them in `wait` and only marks the meta hash); `paused` comes second because a
 * BullMQ 6 resume appends it to the tail of `wait`, where workers take jobs from.
 */
export const STATE_KEYS: Record<JobStateName, { keys: readonly string[]; list: boolean }> = {
  waiting: { keys: ['wait', 'paused'], list: true },
  active: { keys: ['active'], list: true },
  prioritized: { keys: ['prioritized'], list: false },
  delayed: { keys: ['delayed'], list: false },
  'waiting-children': { keys: ['waiting-children'], list: false },
  completed: { keys: ['completed'], list: false },
  failed: { keys: ['failed'], list: false },
};

/** The full Redis keys of a state of a queue (see STATE_KEYS); `queue` is the shown name (tagged on a cluster by bullKey). */
export function stateKeys(prefix: string, queue: string, state: JobStateName): string[] {
  return STATE_KEYS[state].keys.map((k) => bullKey(queue, k, prefix));
}

// Shared by both scripts: the row of one id (false when the job hash is gone).
const ROW_FN = `
local function row(jobPrefix, id, argsMax, errMax)
  local v = redis.call('HMGET', jobPrefix .. id, 'name', 'data', 'atm', 'progress', 'timestamp', 'processedOn', 'finishedOn', 'failedReason', 'attemptsMade', 'ats', '${HELD_FIELD}')
  if not v[1] and not v[5] then return false end
  local data = v[2] or ''
  local dataLen = #data
  if dataLen > argsMax then data = string.sub(data, 1, argsMax) end
  local err = v[8] or ''
  if #err > errMax then err = string.sub(err, 1, errMax) end
  local progress = v[4] or ''
  if #progress > 64 then progress = '' end
  local held = v[11] or ''
  if #held > 1000 then held = '' end
  return { id, v[1] or '', data, dataLen, v[3] or v[9] or '0', progress, v[5] or '', v[6] or '', v[7] or '', err, v[10] or '', held }
end
`;

// KEYS: the state's keys, paged through as one sequence.
const PAGE = luaScript(`${ROW_FN}
local jobPrefix = ARGV[1]
local isList = ARGV[2] == '1'
local page = tonumber(ARGV[3])
local size = tonumber(ARGV[4])
local lens = {}
local total = 0
for k = 1, #KEYS do
  if isList then lens[k] = redis.call('LLEN', KEYS[k]) else lens[k] = redis.call('ZCARD', KEYS[k]) end
  total = total + lens[k]
end
local last = math.max(1, math.ceil(total / size))
if page > last then page = last end
if page < 1 then page = 1 end
local start = (page - 1) * size
local ids = {}
for k = 1, #KEYS do
  local want = size - #ids
  if want <= 0 then break end
  if start < lens[k] then
    local part
    if isList then part = redis.call('LRANGE', KEYS[k], start, start + want - 1) else part = redis.call('ZREVRANGE', KEYS[k], start, start + want - 1) end
    for i = 1, #part do ids[#ids + 1] = part[i] end
    start = 0
  else
    start = start - lens[k]
  end
end
local rows = {}
for i = 1, #ids do
  local r = row(jobPrefix, ids[i], tonumber(ARGV[5]), tonumber(ARGV[6]))
  if r then rows[#rows + 1] = r end
end
return { total, page, rows }
`);

const ROWS = luaScript(`${ROW_FN}
local jobPrefix = ARGV[1]
local rows = {}
for i = 4, #ARGV do
  local r = row(jobPrefix, ARGV[i], tonumber(ARGV[2]), tonumber(ARGV[3]))
  if r then rows[#rows + 1] = r end
end
return rows
`);

/** One row as read from Redis (strings as stored, cut to the limits above). */
export interface RawJobRow {
  id: string;
  name: string;
  /** The start of the arguments' JSON and its full length. */
  data: string;
  dataBytes: number;
  attemptsMade: number;
  progress: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** BullMQ's attempts-started count (`ats`): every take, including those the throttle sent back. */
  attemptsStarted: number | null;
  /** The throttle's hold record as stored (`cel:held`, lib/limits/held-record.ts), if any: maybe stale, see isCurrentHold. */
  held: string | null;
}

type Reply = [string, string, string, number, string, string, string, string, string, string, string, string];

function toRow(r: Reply): RawJobRow {
  const n = (s: string) => (s === '' ? null : Number.isFinite(Number(s)) ? Number(s) : null);
  const progress = n(r[5]);
  return {
    id: r[0],
    name: r[1],
    data: r[2],
    dataBytes: r[3],
    attemptsMade: n(r[4]) ?? 0,
    progress,
    createdAt: n(r[6]) ?? 0,
    startedAt: n(r[7]),
    finishedAt: n(r[8]),
    error: r[9] === '' ? null : r[9],
    attemptsStarted: n(r[10]),
    held: r[11] === '' ? null : r[11],
  };
}

/** A page of a state, newest first; a page past the end gives the last page. */
export async function readJobPage(
  redis: RedisConnection,
  queue: string,
  state: JobStateName,
  page: number,
  pageSize: number,
): Promise<{ total: number; page: number; rows: RawJobRow[] }> {
  const prefix = env().CELERITY_PREFIX;
  const list = STATE_KEYS[state].list;
  const [total, p, rows] = (await PAGE.run(redis, stateKeys(prefix, queue, state), [
    queueKeyPrefix(queue, prefix),
    list ? '1' : '0',
    page,
    pageSize,
    ROW_ARGS_BYTES,
    ROW_ERROR_BYTES,
  ])) as [number, number, Reply[]];
  return { total, page: p, rows: rows.map(toRow) };
}

/** Rows for these ids, in their order; ids whose job is gone are left out. */
export async function readJobRows(redis: RedisConnection, queue: string, ids: readonly string[]): Promise<RawJobRow[]> {
  if (ids.length === 0) return [];
  const prefix = env().CELERITY_PREFIX;
  // The meta key is not read: it names the queue's slot, so a cluster runs the script on the node that holds the jobs.
  const rows = (await ROWS.run(redis, [bullKey(queue, 'meta', prefix)], [queueKeyPrefix(queue, prefix), ROW_ARGS_BYTES, ROW_ERROR_BYTES, ...ids])) as Reply[];
  return rows.map(toRow);
}
