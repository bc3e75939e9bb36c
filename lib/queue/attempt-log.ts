import type { Redis } from 'ioredis';
import { bullKey } from '../keys';
import { luaScript } from './lua-script';

/**
 * The history of a job's attempts, which BullMQ does not keep (it has only
 * the last start and end, and one stack trace per failure). The worker adds
 * one small field per attempt to the job's own hash, so the record goes away
 * with the job (retention, remove, obliterate) and needs no clean-up of its own.
 */

/** Fields of the job hash that hold attempts: `cel:attempt:<startedAt>`. */
export const ATTEMPT_FIELD_PREFIX = 'cel:attempt:';

export type AttemptOutcome = 'completed' | 'failed' | 'cancelled' | 'requeued';

export interface AttemptRecord {
  /** 1 for the first try of this run of the job (BullMQ's attemptsMade + 1 at start). */
  attempt: number;
  startedAt: number;
  finishedAt: number;
  outcome: AttemptOutcome;
  /** The error message of a failed attempt (first 1,000 characters). */
  error?: string;
  /** The worker that ran it. */
  worker?: string;
}

// HSET only while the job exists: a record written after the job was removed would leave a stray hash behind.
const SCRIPT = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
`);

/** Record one finished attempt. Call it before the job leaves the active state. */
export async function recordAttempt(redis: Redis, queue: string, jobId: string, rec: AttemptRecord): Promise<void> {
  const compact = { ...rec, error: rec.error === undefined ? undefined : rec.error.slice(0, 1000) };
  await SCRIPT.run(redis, [bullKey(queue, jobId)], [`${ATTEMPT_FIELD_PREFIX}${rec.startedAt}`, JSON.stringify(compact)]);
}

/** The attempt records among a job hash's fields, oldest first. Malformed ones are skipped. */
export function parseAttempts(fields: Iterable<[string, string]>): AttemptRecord[] {
  const out: AttemptRecord[] = [];
  for (const [k, v] of fields) {
    if (!k.startsWith(ATTEMPT_FIELD_PREFIX)) continue;
    try {
      const r = JSON.parse(v) as Partial<AttemptRecord>;
      if (typeof r.startedAt === 'number' && typeof r.finishedAt === 'number' && typeof r.attempt === 'number' && typeof r.outcome === 'string') {
        out.push({
          attempt: r.attempt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          outcome: r.outcome as AttemptOutcome,
          ...(typeof r.error === 'string' ? { error: r.error } : {}),
          ...(typeof r.worker === 'string' ? { worker: r.worker } : {}),
        });
      }
    } catch {
      // Not ours or damaged: the rest of the history still shows.
    }
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}
