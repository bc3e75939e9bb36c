import type { RedisConnection } from '../redis';
import type { JobState } from 'bullmq';
import { env } from '../env';
import { bullKey, celerityKeys, queueKeyPrefix } from '../keys';
import { displayQueueName } from './queue-names';
import { luaScript } from './lua-script';

/**
 * Everything the job page needs about one job, read by ONE Lua script so it
 * is consistent (the state and the fields come from the same instant) and
 * cheap: every hash field longer than `previewBytes` comes back cut to that
 * length with its full size, so a job holding megabytes never crosses the
 * network whole for a page view. The full value is for the download route.
 */

/** Stored values longer than this (bytes) are shown truncated, with a download of the whole. */
export const PREVIEW_BYTES = 256 * 1024;

/**
 * How much of a truncated value the page gets: its first 64 KB. More text
 * than that is not read by anyone on a screen, and it keeps the page light
 * (a 2 MB result makes a page of ~150 KB of HTML, not 550 KB).
 */
export const TRUNCATED_PREVIEW_BYTES = 64 * 1024;

/** Children of a flow job listed per kind, and re-runs of a job (the counts are exact). */
export const CHILDREN_SAMPLE = 50;

const SCRIPT = luaScript(`
local jobKey = KEYS[1]
local rerunsKey = KEYS[2]
local id = ARGV[1]
local limit = tonumber(ARGV[2])
local q = ARGV[3]
local sample = tonumber(ARGV[4])
local previewLen = tonumber(ARGV[5])
local rcall = redis.call
if rcall('EXISTS', jobKey) == 0 then return false end
local raw = rcall('HGETALL', jobKey)
local fields = {}
for i = 1, #raw, 2 do
  local v = raw[i + 1]
  local n = #v
  if n > limit then v = string.sub(v, 1, previewLen) end
  fields[#fields + 1] = raw[i]
  fields[#fields + 1] = v
  fields[#fields + 1] = n
end
local state = 'unknown'
if rcall('ZSCORE', q .. 'completed', id) then state = 'completed'
elseif rcall('ZSCORE', q .. 'failed', id) then state = 'failed'
elseif rcall('ZSCORE', q .. 'delayed', id) then state = 'delayed'
elseif rcall('ZSCORE', q .. 'prioritized', id) then state = 'prioritized'
elseif rcall('LPOS', q .. 'active', id) then state = 'active'
elseif rcall('LPOS', q .. 'wait', id) then state = 'waiting'
elseif rcall('LPOS', q .. 'paused', id) then state = 'waiting'
elseif rcall('ZSCORE', q .. 'waiting-children', id) then state = 'waiting-children'
end
local logs = rcall('LLEN', jobKey .. ':logs')
local depsKey = jobKey .. ':dependencies'
local processedKey = jobKey .. ':processed'
local ignoredKey = jobKey .. ':failed'
local failedKey = jobKey .. ':unsuccessful'
local counts = { rcall('SCARD', depsKey), rcall('HLEN', processedKey), rcall('HLEN', ignoredKey), rcall('ZCARD', failedKey) }
local function hashKeys(key, n)
  if n == 0 then return {} end
  if n <= sample then return rcall('HKEYS', key) end
  local r = rcall('HSCAN', key, '0', 'COUNT', sample)
  local ks = {}
  for i = 1, #r[2], 2 do ks[#ks + 1] = r[2][i] end
  return ks
end
local pending = {}
if counts[1] > 0 then
  if counts[1] <= sample then pending = rcall('SMEMBERS', depsKey) else pending = rcall('SRANDMEMBER', depsKey, sample) end
end
local failedChildren = {}
if counts[4] > 0 then failedChildren = rcall('ZRANGE', failedKey, 0, sample - 1) end
local reruns = rcall('SCARD', rerunsKey)
local rerunIds = {}
if reruns > 0 then
  if reruns <= sample then rerunIds = rcall('SMEMBERS', rerunsKey) else rerunIds = rcall('SRANDMEMBER', rerunsKey, sample) end
end
return { fields, state, logs, counts, pending, hashKeys(processedKey, counts[2]), hashKeys(ignoredKey, counts[3]), failedChildren, reruns, rerunIds }
`);

/** One stored field of the job hash: its text (cut to the preview length) and its full size in bytes. */
export interface StoredField {
  value: string;
  bytes: number;
  truncated: boolean;
}

/** A job's child in a flow, by its Redis key. */
export interface ChildRef {
  /** The queue and id when the key is under this prefix; null for another prefix. */
  queue: string | null;
  id: string;
  key: string;
}

export interface JobSnapshot {
  queue: string;
  id: string;
  state: JobState | 'unknown';
  fields: Map<string, StoredField>;
  logCount: number;
  children: {
    counts: { pending: number; completed: number; ignored: number; failed: number };
    pending: ChildRef[];
    completed: ChildRef[];
    ignored: ChildRef[];
    failed: ChildRef[];
  };
  reruns: { count: number; ids: string[] };
}

type Reply = [(string | number)[], string, number, number[], string[], string[], string[], string[], number, string[]] | null;

/** Split a BullMQ job key (`<prefix>:<queue>:<id>`) into queue and id; queue names never hold ':'. */
export function parseJobKey(key: string, prefix = env().CELERITY_PREFIX): ChildRef {
  const head = `${prefix}:`;
  if (key.startsWith(head)) {
    const rest = key.slice(head.length);
    const i = rest.indexOf(':');
    // The shown name: a cluster's `{images}` is `images`, as in URLs and the queue list.
    if (i > 0) return { queue: displayQueueName(rest.slice(0, i)), id: rest.slice(i + 1), key };
  }
  return { queue: null, id: key, key };
}

/**
 * Read one job (null when it does not exist). Fields over `previewBytes` come
 * back as their first `truncatedPreviewBytes` (and their full size).
 */
export async function readJobSnapshot(
  redis: RedisConnection,
  queue: string,
  id: string,
  previewBytes = PREVIEW_BYTES,
  truncatedPreviewBytes = Math.min(TRUNCATED_PREVIEW_BYTES, previewBytes),
): Promise<JobSnapshot | null> {
  const prefix = env().CELERITY_PREFIX;
  const reply = (await SCRIPT.run(
    redis,
    [bullKey(queue, id, prefix), celerityKeys(prefix).reruns(queue, id)],
    [id, previewBytes, queueKeyPrefix(queue, prefix), CHILDREN_SAMPLE, truncatedPreviewBytes],
  )) as Reply;
  if (!reply) return null;
  const [flat, state, logCount, counts, pending, processed, ignored, failed, rerunCount, rerunIds] = reply;
  const fields = new Map<string, StoredField>();
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const value = String(flat[i + 1]);
    const bytes = Number(flat[i + 2]);
    fields.set(String(flat[i]), { value, bytes, truncated: bytes > previewBytes });
  }
  const refs = (keys: string[]) => keys.map((k) => parseJobKey(k, prefix)).sort((a, b) => a.key.localeCompare(b.key));
  return {
    queue,
    id,
    state: state as JobState | 'unknown',
    fields,
    logCount,
    children: {
      counts: { pending: counts[0] ?? 0, completed: counts[1] ?? 0, ignored: counts[2] ?? 0, failed: counts[3] ?? 0 },
      pending: refs(pending),
      completed: refs(processed),
      ignored: refs(ignored),
      failed: refs(failed),
    },
    reruns: { count: rerunCount, ids: [...rerunIds].sort() },
  };
}
