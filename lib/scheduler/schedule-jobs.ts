import type { Job } from 'bullmq';

/**
 * How a job tells which schedule it belongs to, without touching its data
 * (job data stays the task's arguments, as any BullMQ producer would write it):
 * - runs of a BullMQ job scheduler carry `repeatJobKey` = the scheduler id;
 * - one-offs and "run now" jobs have ids `schedule-once-<name>-<ms>` / `schedule-run-<name>-<ms>`.
 * Names are percent-encoded: BullMQ ids and scheduler ids must not contain `:`.
 */
export type RunKind = 'scheduled' | 'once' | 'manual';

/** The BullMQ job scheduler id of a schedule. */
export function schedulerId(name: string): string {
  return encodeURIComponent(name);
}

/** The schedule name behind a scheduler id (undefined when it is not one of ours). */
export function nameFromSchedulerId(id: string): string | undefined {
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/** Job id of a "run now" of a schedule. */
export function manualRunJobId(name: string, at: number): string {
  return `schedule-run-${encodeURIComponent(name)}-${at}`;
}

const ID = /^schedule-(once|run)-(.+)-(\d+)$/;

/** Which schedule a job belongs to, and the slot it stands for (null for manual runs). */
export function scheduleOfJob(job: Pick<Job, 'id' | 'repeatJobKey'>): { name: string; kind: RunKind; slot: number | null } | undefined {
  if (job.repeatJobKey) {
    const name = nameFromSchedulerId(job.repeatJobKey);
    // Scheduler job ids are `repeat:<schedulerId>:<slot ms>`.
    const slot = Number(job.id?.slice(job.id.lastIndexOf(':') + 1));
    return name ? { name, kind: 'scheduled', slot: Number.isFinite(slot) ? slot : null } : undefined;
  }
  // Asked of every job a worker takes: a prefix test first, the pattern only for a schedule's.
  const m = job.id?.startsWith('schedule-') ? ID.exec(job.id) : null;
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  return m[1] === 'once' ? { name, kind: 'once', slot: Number(m[3]) } : { name, kind: 'manual', slot: null };
}
