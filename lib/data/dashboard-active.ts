import { env } from '../env';
import { bullKey } from '../keys';
import { getRedis } from '../redis';
import { luaScript } from '../queue/lua-script';
import type { ActiveJob, ActiveJobs } from '../events/contract';

/** Active jobs the dashboard lists (the longest-running ones). */
export const ACTIVE_LIMIT = 20;
/** A progress value larger than this (JSON bytes) is not sent to the dashboard. */
const PROGRESS_MAX_BYTES = 2048;

// The active list is LPUSHed as jobs start: its tail holds the longest-running ones.
const ACTIVE = luaScript(`
local total = redis.call('LLEN', KEYS[1])
local ids = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[2]), -1)
local out = { total }
for i = #ids, 1, -1 do
  local v = redis.call('HMGET', ARGV[1] .. ids[i], 'name', 'progress', 'processedOn')
  local progress = v[2] or ''
  if #progress > tonumber(ARGV[3]) then progress = '' end
  out[#out + 1] = { ids[i], v[1] or '', progress, v[3] or '' }
end
return out
`);

function parseProgress(raw: string): ActiveJob['progress'] {
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // not JSON: shown as no progress
  }
  return null;
}

/**
 * Active jobs over the given queues: how many there are, and the `limit`
 * longest-running with their progress. One Lua call per queue (pipelined), so
 * the cost is bounded by `limit`, not by the number of active jobs.
 */
export async function readActiveJobs(queues: readonly string[], limit = ACTIVE_LIMIT): Promise<ActiveJobs> {
  if (queues.length === 0) return { total: 0, jobs: [] };
  const prefix = env().CELERITY_PREFIX;
  const redis = getRedis();
  const replies = await Promise.all(
    queues.map(
      (q) => ACTIVE.run(redis, [bullKey(q, 'active', prefix)], [bullKey(q, '', prefix), limit, PROGRESS_MAX_BYTES]) as Promise<[number, ...string[][]]>,
    ),
  );
  let total = 0;
  const jobs: ActiveJob[] = [];
  replies.forEach(([count, ...rows], i) => {
    total += Number(count);
    for (const [id, name, progress, processedOn] of rows) {
      jobs.push({ queue: queues[i]!, id: id!, task: name!, progress: parseProgress(progress!), startedAt: processedOn ? Number(processedOn) : null });
    }
  });
  jobs.sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity) || a.queue.localeCompare(b.queue) || a.id.localeCompare(b.id));
  return { total, jobs: jobs.slice(0, limit) };
}
