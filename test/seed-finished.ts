import type { RedisConnection } from '../lib/redis';
import { queueKeyPrefix } from '../lib/keys';

/**
 * Write finished jobs straight in BullMQ's key layout (the job hash plus the
 * completed or failed sorted set, scored by finish time), in batches inside
 * Redis: thousands per call instead of running them through a worker. They
 * read back through BullMQ like any other job.
 */
const SEED = `
local prefix = KEYS[1]
local state = ARGV[1]
local n = tonumber(ARGV[2])
local first = tonumber(ARGV[3])
local finishedBase = tonumber(ARGV[4])
local name = ARGV[5]
local pad = ARGV[6]
local idPrefix = ARGV[7]
local failedReason = ARGV[8]
for i = first, first + n - 1 do
  local id = idPrefix .. i
  local finished = finishedBase + i
  local fields = { 'name', name, 'data', '{"i":' .. i .. ',"pad":"' .. pad .. '"}', 'opts', '{"attempts":1}', 'timestamp', finished - 20, 'delay', 0, 'priority', 0, 'processedOn', finished - 10, 'finishedOn', finished, 'atm', 1, 'ats', 1 }
  if state == 'completed' then
    fields[#fields + 1] = 'returnvalue'
    fields[#fields + 1] = '{"i":' .. i .. '}'
  else
    fields[#fields + 1] = 'failedReason'
    fields[#fields + 1] = failedReason
    fields[#fields + 1] = 'stacktrace'
    fields[#fields + 1] = '[]'
  end
  redis.call('HSET', prefix .. id, unpack(fields))
  redis.call('ZADD', prefix .. state, finished, id)
end
redis.call('HSETNX', prefix .. 'meta', 'opts.maxLenEvents', 10000)
return n
`;

export interface SeedOptions {
  prefix: string;
  queue: string;
  state: 'completed' | 'failed';
  count: number;
  /** Job i finishes at finishedBase + i (ms). */
  finishedBase: number;
  name?: string;
  /** Extra text in each job's data (to make rows bigger). */
  pad?: string;
  /** Ids are idPrefix + i, i from 1. */
  idPrefix?: string;
  failedReason?: string;
}

export async function seedFinished(redis: RedisConnection, o: SeedOptions): Promise<void> {
  for (let first = 1; first <= o.count; first += 5000) {
    const n = Math.min(5000, o.count - first + 1);
    await redis.eval(
      SEED,
      1,
      queueKeyPrefix(o.queue, o.prefix),
      o.state,
      n,
      first,
      o.finishedBase,
      o.name ?? 'seeded',
      o.pad ?? '',
      o.idPrefix ?? 'j',
      o.failedReason ?? 'seeded failure',
    );
  }
}
