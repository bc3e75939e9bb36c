import type { RedisConnection } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { luaScript } from '../queue/lua-script';
import { readDefinitions, readRuns, readState } from '../scheduler/schedule-store';
import { missedSlots } from '../scheduler/missed-slots';

/**
 * Figures /metrics reports for alerting (the same ones the console's alert
 * rules read): how long the longest-running job of a queue has run, and how
 * many slots each schedule missed.
 */

// KEYS[1]: a queue's active list; ARGV[1]: its key prefix. The earliest processedOn among its (first 1,000) active jobs.
const OLDEST_ACTIVE = luaScript(`
local oldest = false
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, 999)) do
  local t = tonumber(redis.call('HGET', ARGV[1] .. id, 'processedOn'))
  if t and (not oldest or t < oldest) then oldest = t end
end
if oldest then return tostring(oldest) end
return false
`);

/** When the job of `queue` that has been running longest started (null: none running). */
export async function readOldestActiveAt(redis: RedisConnection, queue: string): Promise<number | null> {
  const prefix = env().CELERITY_PREFIX;
  const t = (await OLDEST_ACTIVE.run(redis, [bullKey(queue, 'active', prefix)], [bullKey(queue, '', prefix)])) as string | null;
  return t === null ? null : Number(t);
}

/** Missed slots of every enabled schedule over the last day (as its page lists them, at most 100). */
export async function readMissedSlotCounts(redis: RedisConnection, now = Date.now()): Promise<Map<string, number>> {
  const defs = (await readDefinitions(redis)).filter((d) => d.enabled && d.trigger.type !== 'once');
  const counts = await Promise.all(
    defs.map(async (d) => {
      const [state, runs] = await Promise.all([readState(redis, d.name), readRuns(redis, d.name, 50)]);
      return [d.name, missedSlots(d, state, runs, now).length] as const;
    }),
  );
  return new Map(counts);
}
