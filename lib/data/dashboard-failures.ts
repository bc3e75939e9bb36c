import { env } from '../env';
import { bullKey } from '../keys';
import { getRedis } from '../redis';
import { luaScript } from '../queue/lua-script';
import type { Failure } from '../events/contract';

/** Failures the dashboard lists. */
export const FAILURES_LIMIT = 10;
/** The reason is cut to this many bytes (the job page has the whole of it). */
const REASON_MAX_BYTES = 300;

// The failed set is scored by when each job failed: the newest are at the top.
const LATEST = luaScript(`
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #ids, 2 do
  local v = redis.call('HMGET', ARGV[1] .. ids[i], 'name', 'failedReason', 'finishedOn', 'attemptsMade', 'atm')
  local reason = v[2] or ''
  if #reason > tonumber(ARGV[3]) then reason = string.sub(reason, 1, tonumber(ARGV[3])) end
  out[#out + 1] = { ids[i], v[1] or '', reason, v[3] or ids[i + 1], v[4] or v[5] or '0' }
end
return out
`);

/** The `limit` most recent failures over the given queues (one Lua call per queue, pipelined). */
export async function readLatestFailures(queues: readonly string[], limit = FAILURES_LIMIT): Promise<Failure[]> {
  if (queues.length === 0) return [];
  const prefix = env().CELERITY_PREFIX;
  const redis = getRedis();
  const replies = await Promise.all(
    queues.map((q) => LATEST.run(redis, [bullKey(q, 'failed', prefix)], [bullKey(q, '', prefix), limit, REASON_MAX_BYTES]) as Promise<string[][]>),
  );
  const out: Failure[] = [];
  replies.forEach((rows, i) => {
    for (const [id, name, reason, finishedOn, attempts] of rows) {
      const failedAt = Number(finishedOn);
      out.push({
        queue: queues[i]!,
        id: id!,
        task: name!,
        reason: reason!,
        failedAt: Number.isFinite(failedAt) && failedAt > 0 ? failedAt : null,
        attemptsMade: Number(attempts) || 0,
      });
    }
  });
  out.sort((a, b) => (b.failedAt ?? 0) - (a.failedAt ?? 0) || a.queue.localeCompare(b.queue) || a.id.localeCompare(b.id));
  return out.slice(0, limit);
}
