import type { AttemptRecord } from '../queue/attempt-log';

/** A job's times as the job page's Timing card shows them. Plain data. */
export interface JobTiming {
  /**
   * When the job first started: the first attempt's start from Celerity's
   * attempt record, or BullMQ's processedOn when the job has had one attempt
   * or no earlier attempt was recorded. Null until the job starts.
   */
  startedAt: number | null;
  /** False when earlier attempts left no record (a plain BullMQ worker ran them): startedAt is then the earliest start known. */
  firstStartKnown: boolean;
  /** When the last (or the running) attempt started: BullMQ's processedOn. */
  lastAttemptStartedAt: number | null;
  finishedAt: number | null;
  /** finished − first start: every attempt and the backoff waits between them. */
  durationMs: number | null;
  /** finished − last attempt's start. */
  lastAttemptDurationMs: number | null;
}

export interface JobTimingInput {
  state: string;
  /** BullMQ's processedOn: the last attempt's start (the only start BullMQ keeps). */
  processedOn: number | null;
  finishedAt: number | null;
  attemptsMade: number;
  /** Tries allowed in all (the job's attempts option). */
  maxAttempts: number;
  /** Celerity workers' record of each finished attempt, oldest first. */
  attempts: AttemptRecord[];
}

interface Step {
  attempt: number;
  startedAt: number;
  outcome?: AttemptRecord['outcome'];
}

/** Whether `p` ended a run of the job, so `q` belongs to a later one (a retry from the console). */
function endsRun(p: Step, q: Step, maxAttempts: number): boolean {
  if (p.outcome === 'completed' || p.outcome === 'cancelled') return true;
  if (p.outcome === 'failed' && p.attempt >= maxAttempts) return true;
  // A worker shutdown hands the attempt back and it is tried again under the same number;
  // otherwise numbers only grow within a run (a retry resets them to 1).
  return q.attempt < p.attempt || (q.attempt === p.attempt && p.outcome !== 'requeued');
}

/**
 * The job's start, finish and durations across its attempts. BullMQ keeps only
 * the last attempt's start (processedOn), which for a retried job hides the
 * earlier attempts and the backoff waits; Celerity's worker records every
 * attempt in the job hash, so the first start comes from there. Records left
 * by an earlier run of the job (before a retry from the console, which clears
 * processedOn and resets the attempt count) are not part of this run.
 */
export function jobTiming(j: JobTimingInput): JobTiming {
  const last = j.processedOn;
  const finishedAt = j.finishedAt;
  if (last === null) {
    return { startedAt: null, firstStartKnown: true, lastAttemptStartedAt: null, finishedAt, durationMs: null, lastAttemptDurationMs: null };
  }
  // The worker records an attempt after BullMQ's processedOn, on the same clock: the first record
  // at or after it is the last attempt's own; without one, that attempt has no record (yet).
  const records = [...j.attempts].sort((a, b) => a.startedAt - b.startedAt);
  const own = records.findIndex((a) => a.startedAt >= last);
  // BullMQ counts an attempt once it ends: one running or handed back is attemptsMade + 1.
  const ended = j.state === 'completed' || j.state === 'failed' || j.state === 'delayed';
  const steps: Step[] =
    own >= 0 ? records.slice(0, own + 1) : [...records, { attempt: Math.max(1, ended ? j.attemptsMade : j.attemptsMade + 1), startedAt: last }];
  let first = steps.length - 1;
  while (first > 0 && !endsRun(steps[first - 1]!, steps[first]!, j.maxAttempts)) first--;
  const startedAt = first === steps.length - 1 ? last : steps[first]!.startedAt;
  return {
    startedAt,
    firstStartKnown: steps[first]!.attempt <= 1,
    lastAttemptStartedAt: last,
    finishedAt,
    durationMs: finishedAt !== null ? finishedAt - startedAt : null,
    lastAttemptDurationMs: finishedAt !== null ? finishedAt - last : null,
  };
}
