import { env } from './env';

/**
 * Names of Celerity's own Redis keys. They live under the BullMQ prefix so that
 * two deployments with different prefixes never see each other, and under a
 * segment no BullMQ queue key uses (`__celerity`), so they are never taken for a queue.
 */
export function celerityKeys(prefix = env().CELERITY_PREFIX) {
  const base = `${prefix}:__celerity`;
  return {
    /** Hash: task name → catalogue entry JSON. */
    tasks: `${base}:tasks`,
    /** Sorted set: worker id → last heartbeat (ms). */
    workers: `${base}:workers`,
    /** String with expiry: one worker's heartbeat JSON. */
    worker: (id: string) => `${base}:worker:${id}`,
    /** Pub/sub channel for commands to workers (cancel, pause…). */
    control: `${base}:control`,
    /** Set of queue names known to Celerity (tasks' queues), besides discovered ones. */
    queues: `${base}:queues`,
    /** Hash: schedule name → definition JSON (the source of truth for schedules). */
    schedules: `${base}:schedules`,
    /** Hash: a schedule's runtime state (applied hash, counters). */
    scheduleState: (name: string) => `${base}:schedule:${name}:state`,
    /** Hash jobId → run record JSON, and sorted set jobId → start time: a schedule's recent runs. */
    scheduleRuns: (name: string) => `${base}:schedule:${name}:runs`,
    scheduleRunIndex: (name: string) => `${base}:schedule:${name}:run-index`,
    /** Set: ids of the re-runs made of a job. */
    reruns: (queue: string, id: string) => `${base}:reruns:${queue}:${id}`,
    /** Locks so only one process reconciles or runs the watchdog at a time. */
    lock: (what: string) => `${base}:lock:${what}`,
  };
}

/** BullMQ's own key for a queue's part (e.g. `meta`, `events`, `wait`). */
export function bullKey(queue: string, part: string, prefix = env().CELERITY_PREFIX): string {
  return `${prefix}:${queue}:${part}`;
}
