import { env } from './env';
import { bullQueueName, queueNames } from './queue/queue-names';

/**
 * Names of Celerity's own Redis keys. They live under the BullMQ prefix so that
 * two deployments with different prefixes never see each other, and under a
 * segment no BullMQ queue key uses (`__celerity`), so they are never taken for a queue.
 *
 * On a Redis Cluster (lib/queue/queue-names.ts) the deployment-wide keys share one
 * hash tag, `{__celerity}`, so the MULTIs and scripts that touch several of them
 * stay on one slot; keys that belong to one queue's job (re-runs) carry that
 * queue's tag instead, since a script reads them with the job's hash. On a single
 * Redis nothing is tagged: the names are the ones earlier versions wrote.
 */
export function celerityKeys(prefix = env().CELERITY_PREFIX) {
  const untagged = `${prefix}:__celerity`;
  const base = queueNames().clustered ? `${prefix}:{__celerity}` : untagged;
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
    /** Set: ids of the re-runs made of a job. On the job's slot: the queue's BullMQ name holds its tag (Redis hashes the first {…}). */
    reruns: (queue: string, id: string) => `${untagged}:reruns:${bullQueueName(queue)}:${id}`,
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
    /** Hash: task name → its live override JSON (rate limit, global concurrency, paused; who and when), lib/limits/task-override.ts. */
    taskOverrides: `${base}:task-overrides`,
    /** Stream (capped): the audit log of state-changing requests. */
    audit: `${base}:audit`,
    /** Alerts (lib/alerts/): rules, channels, incidents, deliveries and the evaluator's state, all on the deployment's slot. */
    alert: (part: string) => `${base}:alerts:${part}`,
  };
}

/** BullMQ's own key for a queue's part (e.g. `meta`, `events`, `wait`, a job id); `queue` is the logical name. */
export function bullKey(queue: string, part: string, prefix = env().CELERITY_PREFIX): string {
  return `${prefix}:${bullQueueName(queue)}:${part}`;
}

/** The prefix of every key of a queue (`bull:{images}:`): Lua scripts append a job id to it. */
export function queueKeyPrefix(queue: string, prefix = env().CELERITY_PREFIX): string {
  return `${prefix}:${bullQueueName(queue)}:`;
}
