import type { ShownRun, ShownStep } from './shown-run';

/**
 * The timeline's bars, computed from the steps' attempts:
 * - `waiting`: from the run's start until the step's job was added (its predecessors were running);
 * - `queued`: from the job being added (or put back for a retry) until a worker took it;
 * - `running`: from that start until the attempt ended (or now, while it runs).
 * Times are ms since epoch; a bar still open ends at `now`.
 */
export type SegmentKind = 'waiting' | 'queued' | 'running';

export interface Segment {
  kind: SegmentKind;
  attempt: number;
  start: number;
  end: number;
  /** How the attempt ended (running bars only). */
  outcome?: string | null;
}

export interface TimelineRow {
  step: ShownStep;
  segments: Segment[];
}

export interface Timeline {
  start: number;
  end: number;
  rows: TimelineRow[];
}

type Attempt = ShownStep['attempts'][number];

function attemptSegments(a: Attempt, stillOpen: boolean, now: number): Segment[] {
  const out: Segment[] = [];
  const openEnd = (t: number | null) => t ?? (stillOpen ? now : null);
  if (a.queuedAt !== null) {
    const end = a.startedAt ?? openEnd(a.finishedAt);
    if (end !== null && end > a.queuedAt) out.push({ kind: 'queued', attempt: a.attempt, start: a.queuedAt, end });
  }
  if (a.startedAt !== null) {
    const end = openEnd(a.finishedAt);
    if (end !== null) out.push({ kind: 'running', attempt: a.attempt, start: a.startedAt, end: Math.max(end, a.startedAt), outcome: a.outcome });
  }
  return out;
}

function stepSegments(step: ShownStep, runStart: number, runEnd: number | null, now: number): Segment[] {
  const attempts = [...step.attempts].sort((x, y) => x.attempt - y.attempt);
  const first = attempts[0];
  const segments: Segment[] = [];
  // Only a step that is still waiting keeps its bar open; a run that ended closes it at its end.
  const waitEnd = first?.queuedAt ?? (step.state === 'waiting' ? (runEnd ?? now) : null);
  if (waitEnd !== null && waitEnd > runStart) segments.push({ kind: 'waiting', attempt: 1, start: runStart, end: waitEnd });
  attempts.forEach((a, i) => {
    // Only the last attempt of a step that has not finished may still be open.
    const open = i === attempts.length - 1 && (step.state === 'queued' || step.state === 'active') && runEnd === null;
    segments.push(...attemptSegments(a, open, now));
  });
  return segments;
}

export function timelineOf(run: Pick<ShownRun, 'createdAt' | 'finishedAt' | 'nodes'>, now: number): Timeline {
  const rows = run.nodes.map((step) => ({ step, segments: stepSegments(step, run.createdAt, run.finishedAt, now) }));
  let end = run.finishedAt ?? now;
  for (const r of rows) for (const s of r.segments) end = Math.max(end, s.end);
  return { start: run.createdAt, end: Math.max(end, run.createdAt + 1), rows };
}

/** Total time per kind in one row, for its text label ("waited 1.2 s · queued 30 ms · ran 2.0 s"). */
export function totals(segments: Segment[]): Record<SegmentKind, number> {
  const t: Record<SegmentKind, number> = { waiting: 0, queued: 0, running: 0 };
  for (const s of segments) t[s.kind] += s.end - s.start;
  return t;
}
