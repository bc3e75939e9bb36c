import type { RedisConnection } from '../redis';
import { bullKey } from '../keys';
import { luaScript } from './lua-script';

/**
 * The history of a job's attempts, which BullMQ does not keep (it has only
 * the last start and end, and one stack trace per failure). The worker adds
 * one small field per attempt to the job's own hash, so the record goes away
 * with the job (retention, remove, obliterate) and needs no clean-up of its own.
 *
 * Except the attempt that completes the job: BullMQ itself writes all of it, in
 * the same Lua calls that take the job and complete it — its start
 * (`processedOn`), the worker that ran it (`pb`, the worker's name, which is
 * Celerity's worker id), its end (`finishedOn`), its number (`atm`) and the
 * outcome (`returnvalue`). {@link parseAttempts} reads that record from those
 * fields, so the worker's hot path sends nothing of its own per completed job,
 * and the record is in Redis exactly when the job is completed (a `kill -9`
 * can no more lose it than the completion itself).
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

/**
 * Record one finished attempt that did not complete the job (failed, cancelled,
 * handed back). Call it before the job leaves the active state.
 */
export async function recordAttempt(redis: RedisConnection, queue: string, jobId: string, rec: AttemptRecord): Promise<void> {
  const compact = { ...rec, error: rec.error === undefined ? undefined : rec.error.slice(0, 1000) };
  await SCRIPT.run(redis, [bullKey(queue, jobId)], [`${ATTEMPT_FIELD_PREFIX}${rec.startedAt}`, JSON.stringify(compact)]);
}

/**
 * The attempt records among a job hash's fields, oldest first, with the
 * completing attempt read from BullMQ's own fields when no record of it was
 * written (see the top of this module). Malformed records are skipped.
 */
export function parseAttempts(fields: Iterable<[string, string]>): AttemptRecord[] {
  const out: AttemptRecord[] = [];
  const bull = new Map<string, string>();
  for (const [k, v] of fields) {
    if (!k.startsWith(ATTEMPT_FIELD_PREFIX)) {
      if (COMPLETION_FIELDS.has(k)) bull.set(k, v);
      continue;
    }
    const r = parseRecord(v);
    if (r) out.push(r);
  }
  const completing = completingAttempt(bull, out);
  if (completing) out.push(completing);
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

const COMPLETION_FIELDS = new Set(['returnvalue', 'processedOn', 'finishedOn', 'atm', 'pb']);

function parseRecord(v: string): AttemptRecord | undefined {
  try {
    const r = JSON.parse(v) as Partial<AttemptRecord>;
    if (typeof r.startedAt === 'number' && typeof r.finishedAt === 'number' && typeof r.attempt === 'number' && typeof r.outcome === 'string') {
      return {
        attempt: r.attempt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        outcome: r.outcome as AttemptOutcome,
        ...(typeof r.error === 'string' ? { error: r.error } : {}),
        ...(typeof r.worker === 'string' ? { worker: r.worker } : {}),
      };
    }
  } catch {
    // Not ours or damaged: the rest of the history still shows.
  }
  return undefined;
}

/**
 * The attempt that completed the job, from BullMQ's fields: only for a
 * completed job (it has a return value) that a named worker ran (`pb`: the
 * jobs of a plain BullMQ worker keep no history here), and only when no
 * record of that run's completion was written (by a worker from before this
 * change).
 */
function completingAttempt(bull: Map<string, string>, written: AttemptRecord[]): AttemptRecord | undefined {
  const startedAt = Number(bull.get('processedOn'));
  const finishedAt = Number(bull.get('finishedOn'));
  const attempt = Number(bull.get('atm'));
  const worker = bull.get('pb');
  if (!bull.has('returnvalue') || !worker || !(startedAt > 0) || !(finishedAt > 0) || !(attempt > 0)) return undefined;
  if (written.some((r) => r.outcome === 'completed' && r.finishedAt >= startedAt)) return undefined;
  return { attempt, startedAt, finishedAt, outcome: 'completed', worker };
}
