import type { AttemptRecord } from '../queue/attempt-log';
import type { HeldDTO } from './held-dto';

/** One step of a job's life as the job page lists it. Plain data. */
export interface TimelineEntry {
  kind: 'created' | 'delayed' | 'waiting' | 'waiting-children' | 'attempt' | 'progress' | 'retry-wait' | 'held' | 'completed' | 'failed';
  /** When it happened; null when BullMQ did not keep the time (attempts before the last, without Celerity's record). */
  at: number | null;
  /** When it ended (attempts) or is due (delays, holds). */
  until?: number | null;
  label: string;
  /** Error of a failed attempt, last progress… */
  detail?: string;
  tone: 'info' | 'ok' | 'error' | 'running';
  attempt?: number;
}

export interface TimelineInput {
  state: string;
  createdAt: number;
  delayMs: number;
  /** The last (or the running) attempt's start: BullMQ's processedOn, the only start it keeps. */
  lastStartedAt: number | null;
  finishedAt: number | null;
  attemptsMade: number;
  error: string | null;
  /** One stack per failed attempt, oldest first (BullMQ keeps up to stackTraceLimit of them). */
  stack: string[];
  progress: unknown;
  /** Celerity workers' record of each finished attempt. */
  attempts: AttemptRecord[];
  hasChildren: boolean;
  /** The job is held back by its task's limits (lib/data/held-dto.ts). */
  held?: HeldDTO | null;
}

const outcomeLabel: Record<AttemptRecord['outcome'], string> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  requeued: 'handed back to the queue (worker shutdown)',
};

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 500 ? line.slice(0, 499) + '…' : line;
}

function describeProgress(p: unknown): string | null {
  if (typeof p === 'number') return p > 0 ? `${Math.round(p * 100) / 100}%` : null;
  if (p && typeof p === 'object') {
    const s = JSON.stringify(p);
    return s.length > 200 ? s.slice(0, 199) + '…' : s;
  }
  return null;
}

/**
 * The job's timeline: created → delayed/waiting → each attempt (start, end,
 * outcome, error) → completed/failed. Attempt times come from the worker's
 * record when there is one; otherwise only the last attempt has times
 * (BullMQ's processedOn/finishedOn) and earlier ones show their error only.
 */
export function buildTimeline(j: TimelineInput): TimelineEntry[] {
  const out: TimelineEntry[] = [{ kind: 'created', at: j.createdAt, label: 'Created', tone: 'info' }];
  // A held job's delay is the gate's (BullMQ's moveToDelayed rewrites it), not one asked for at enqueue: the hold says it.
  if (j.delayMs > 0 && j.attemptsMade === 0 && j.attempts.length === 0 && !j.held) {
    out.push({ kind: 'delayed', at: j.createdAt, until: j.createdAt + j.delayMs, label: 'Delayed', tone: 'info' });
  }
  if (j.hasChildren) out.push({ kind: 'waiting-children', at: null, label: 'Waited for its children', tone: 'info' });

  const finished = j.state === 'completed' || j.state === 'failed';
  const attempts: TimelineEntry[] = [];
  const recorded = [...j.attempts];
  // Without a record, BullMQ says how many attempts ended (attemptsMade), when the last one
  // started and ended, and keeps the newest stack traces of the failed ones — but no earlier times.
  const lastKnown = j.lastStartedAt !== null && j.state !== 'active' && j.state !== 'waiting-children';
  const earlier = j.state === 'active' ? j.attemptsMade : Math.max(0, j.attemptsMade - (lastKnown ? 1 : 0));
  const failedTotal = earlier + (j.state === 'failed' || (lastKnown && !finished) ? 1 : 0);
  const stackAt = (attempt: number) => j.stack[attempt - 1 - (failedTotal - j.stack.length)];
  if (recorded.length > 0) {
    for (const a of recorded) {
      attempts.push({
        kind: 'attempt',
        at: a.startedAt,
        until: a.finishedAt,
        attempt: a.attempt,
        label: `Attempt ${a.attempt} ${outcomeLabel[a.outcome] ?? a.outcome}`,
        detail: a.error,
        tone: a.outcome === 'completed' ? 'ok' : a.outcome === 'requeued' ? 'info' : 'error',
      });
    }
  } else {
    for (let i = 1; i <= earlier; i++) {
      const s = stackAt(i);
      attempts.push({ kind: 'attempt', at: null, attempt: i, label: `Attempt ${i} failed`, detail: s ? firstLine(s) : undefined, tone: 'error' });
    }
  }
  // The current or last attempt, when the record does not already cover it.
  const covered = j.lastStartedAt !== null && recorded.some((a) => a.startedAt >= j.lastStartedAt!);
  if (j.lastStartedAt !== null && !covered) {
    const n = recorded.length > 0 ? recorded[recorded.length - 1]!.attempt + 1 : j.state === 'active' ? j.attemptsMade + 1 : Math.max(1, j.attemptsMade);
    if (j.state === 'active') {
      attempts.push({ kind: 'attempt', at: j.lastStartedAt, until: null, attempt: n, label: `Attempt ${n} running`, tone: 'running' });
    } else if (lastKnown) {
      const ok = j.state === 'completed';
      const s = stackAt(n);
      attempts.push({
        kind: 'attempt',
        at: j.lastStartedAt,
        until: finished ? j.finishedAt : null,
        attempt: n,
        label: `Attempt ${n} ${ok ? 'completed' : 'failed'}`,
        detail: ok ? undefined : (j.error ?? (s ? firstLine(s) : undefined)),
        tone: ok ? 'ok' : 'error',
      });
    }
  }
  out.push(...attempts);

  const progress = describeProgress(j.progress);
  if (progress) out.push({ kind: 'progress', at: null, label: 'Last progress reported', detail: progress, tone: 'info' });

  if (j.held) {
    // The hold explains the wait (the gate keeps only the current one: since when, how many times in a row).
    const h = j.held;
    const times = h.holds !== null && h.holds > 1 ? `${h.holds} times in a row` : undefined;
    out.push({ kind: 'held', at: h.since, until: h.until, label: `Held back: ${h.label}`, detail: times, tone: 'info' });
    return out;
  }
  if (j.state === 'completed') out.push({ kind: 'completed', at: j.finishedAt, label: 'Completed', tone: 'ok' });
  else if (j.state === 'failed') out.push({ kind: 'failed', at: j.finishedAt, label: 'Failed', detail: j.error ?? undefined, tone: 'error' });
  else if (j.state === 'delayed' && (j.attemptsMade > 0 || recorded.length > 0))
    out.push({ kind: 'retry-wait', at: null, label: 'Waiting to retry (backoff)', tone: 'info' });
  else if (j.state === 'waiting' || j.state === 'prioritized') out.push({ kind: 'waiting', at: null, label: 'Waiting for a worker', tone: 'info' });
  else if (j.state === 'waiting-children') out.push({ kind: 'waiting-children', at: null, label: 'Waiting for its children', tone: 'info' });
  return out;
}
