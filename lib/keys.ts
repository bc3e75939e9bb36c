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
    /** List with expiry: a worker's acknowledgement of one control request (the console BLPOPs it). */
    controlAck: (requestId: string) => `${base}:control-ack:${requestId}`,
    /** String with a one-day expiry: a worker's last heartbeat, kept to show what a lost worker held. */
    workerLast: (id: string) => `${base}:worker-last:${id}`,
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
    /** String with expiry: one console session, keyed by the SHA-256 of its id (never the id itself). */
    session: (idHash: string) => `${base}:session:${idHash}`,
    /** Hash: API token id → record JSON (name, scope, SHA-256 of the token). */
    tokens: `${base}:tokens`,
    /** Hash: API token id → when it was last used (ms). */
    tokenUsage: `${base}:token-usage`,
    /** Hash with expiry: failed logins of one user name from one address (keyed by a hash of both). */
    loginThrottle: (hash: string) => `${base}:login-throttle:${hash}`,
    /**
     * String with expiry: an account's password hash made with today's scrypt parameters at a
     * sign-in, keyed by a hash of the user name and the configured (older) hash it replaces.
     */
    passwordUpgrade: (hash: string) => `${base}:password-upgrade:${hash}`,
    /** Stream (capped): the audit log of state-changing requests. */
    audit: `${base}:audit`,
  };
}

/** BullMQ's own key for a queue's part (e.g. `meta`, `events`, `wait`). */
export function bullKey(queue: string, part: string, prefix = env().CELERITY_PREFIX): string {
  return `${prefix}:${queue}:${part}`;
}
