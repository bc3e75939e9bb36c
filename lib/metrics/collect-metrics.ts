import { pipelined, type RedisConnection } from '../redis';
import { env } from '../env';
import { bullKey } from '../keys';
import { checkRedis } from '../health';
import { discoverQueues, getQueue } from '../queue/queue-registry';
import { getQueueCounts } from '../data/queue-dto';
import { readHeartbeats } from '../worker/heartbeat';
import { MetricsText } from './prometheus';
import { DURATION_BOUNDS, durationHistograms, scanDurations } from './job-durations';
import { getPipelineProbe } from './pipeline-probe';
import { readOldestActiveAt, readMissedSlotCounts } from './alert-figures';
import { readOldestWaitingAt } from '../queue/queue-counts';
import { workerCounts } from '../queue/queue-workers';

/**
 * Everything /metrics reports, in Prometheus text format:
 * - `celerity_redis_up`: whether Redis answered (when 0, nothing else is reported);
 * - `celerity_queue_jobs{queue,state}`, `celerity_queue_paused{queue}`;
 * - `celerity_queue_completed_total` / `celerity_queue_failed_total{queue}`: BullMQ's own
 *   counters (kept in Redis by workers with metrics on, as Celerity's are);
 * - `celerity_job_duration_seconds{queue,task,outcome}`: histogram of run times
 *   (lib/metrics/job-durations.ts);
 * - `celerity_workers_alive`, `celerity_workers_lost`, and per worker its running jobs and counters;
 * - `celerity_event_pipeline_lag_seconds{queue}`: how long the oldest event the console
 *   has not yet relayed has been waiting (0 when it is caught up);
 * - for alerting (what the console's alert rules read, lib/alerts/): `celerity_queue_oldest_waiting_seconds{queue}`
 *   and `celerity_queue_oldest_running_seconds{queue}` (0 when none), `celerity_queue_workers{queue}` (connected
 *   workers, Celerity's and plain BullMQ ones, a few seconds old at most), `celerity_schedule_missed_slots{schedule}`.
 */
export async function collectMetrics(redis: RedisConnection): Promise<string> {
  const m = new MetricsText();
  const started = performance.now();
  const health = await checkRedis(redis);
  m.gauge('celerity_redis_up', 'Whether the console reaches Redis (1) or not (0).', health.redis === 'up' ? 1 : 0);
  if (health.redis !== 'up') return m.toString();

  const prefix = env().CELERITY_PREFIX;
  const queues = await discoverQueues({ maxAgeMs: 'auto' });

  m.declare('celerity_queue_jobs', 'Jobs in a queue by state.', 'gauge');
  m.declare('celerity_queue_paused', 'Whether a queue is paused (1) or not (0).', 'gauge');
  m.declare('celerity_queue_completed_total', 'Jobs completed in a queue, as counted by BullMQ workers with metrics enabled.', 'counter');
  m.declare('celerity_queue_failed_total', 'Jobs failed in a queue, as counted by BullMQ workers with metrics enabled.', 'counter');
  m.declare('celerity_queue_oldest_waiting_seconds', 'How long the oldest waiting job of a queue has waited (0: none waiting).', 'gauge');
  m.declare('celerity_queue_oldest_running_seconds', 'How long the longest-running job of a queue has run (0: none running).', 'gauge');
  m.declare('celerity_queue_workers', 'Workers connected to a queue (a few seconds old at most).', 'gauge');
  const workers = await workerCounts(redis);
  const now = Date.now();
  const age = (at: number | null) => (at === null ? 0 : Math.max(0, now - at) / 1000);
  for (const q of queues) {
    const queue = getQueue(q);
    const [counts, paused, completed, failed, oldestWaiting, oldestActive] = await Promise.all([
      getQueueCounts(q),
      queue.isPaused(),
      queue.getMetrics('completed', 0, 0),
      queue.getMetrics('failed', 0, 0),
      readOldestWaitingAt(redis, q),
      readOldestActiveAt(redis, q),
    ]);
    for (const [state, n] of Object.entries(counts)) m.gauge('celerity_queue_jobs', '', n, { queue: q, state });
    m.gauge('celerity_queue_paused', '', paused ? 1 : 0, { queue: q });
    m.counter('celerity_queue_completed_total', '', completed.meta.count, { queue: q });
    m.counter('celerity_queue_failed_total', '', failed.meta.count, { queue: q });
    m.gauge('celerity_queue_oldest_waiting_seconds', '', counts.waiting > 0 ? age(oldestWaiting) : 0, { queue: q });
    m.gauge('celerity_queue_oldest_running_seconds', '', age(oldestActive), { queue: q });
    m.gauge('celerity_queue_workers', '', workers.get(q) ?? 0, { queue: q });
  }

  m.declare('celerity_schedule_missed_slots', 'Slots of a schedule no worker ran, over the last day (at most 100).', 'gauge');
  for (const [schedule, n] of await readMissedSlotCounts(redis, now)) m.gauge('celerity_schedule_missed_slots', '', n, { schedule });

  await scanDurations(redis, queues, prefix);
  m.declare('celerity_job_duration_seconds', 'Run time of finished jobs (processedOn to finishedOn) since the console started.', 'histogram');
  for (const h of durationHistograms()) {
    m.histogram(
      'celerity_job_duration_seconds',
      '',
      { bounds: DURATION_BOUNDS, counts: h.counts, sum: h.sumSeconds },
      { queue: h.queue, task: h.task, outcome: h.outcome },
    );
  }

  const { alive, lost } = await readHeartbeats(redis);
  m.gauge('celerity_workers_alive', 'Workers with a live heartbeat.', alive.length);
  m.gauge('celerity_workers_lost', 'Workers whose heartbeat expired without a clean shutdown.', lost.length);
  m.declare('celerity_worker_running_jobs', 'Jobs a worker is running now.', 'gauge');
  m.declare('celerity_worker_processed_total', 'Jobs a worker process completed since it started.', 'counter');
  m.declare('celerity_worker_failed_total', 'Job attempts that failed in a worker process since it started.', 'counter');
  for (const w of alive) {
    const labels = { worker: w.id, host: w.host };
    m.gauge('celerity_worker_running_jobs', '', w.running.length, labels);
    m.counter('celerity_worker_processed_total', '', w.processed, labels);
    m.counter('celerity_worker_failed_total', '', w.failed, labels);
  }

  const probe = getPipelineProbe();
  m.gauge('celerity_event_relay_running', 'Whether this console relays live events (1) or not (0).', probe ? 1 : 0);
  m.declare('celerity_event_pipeline_lag_seconds', 'Age of the oldest queue event the console has not relayed yet (0: caught up).', 'gauge');
  if (probe) {
    // null: the console that runs the relay did not answer; no sample (absent, not 0).
    const positions = [...((await probe.positions()) ?? [])];
    // The queues' streams may be on several cluster nodes: one pipeline only on a single Redis.
    const replies = await pipelined(
      redis,
      positions.map(([q, last]) => ['XRANGE', bullKey(q, 'events', prefix), `(${last}`, '+', 'COUNT', 1] as const),
    );
    const now = Date.now();
    positions.forEach(([q], i) => {
      const [err, rows] = replies[i] ?? [null, undefined];
      // A stream that could not be read is no evidence of being caught up: no sample (absent, not 0).
      if (err || !Array.isArray(rows)) return;
      // The oldest entry the relay has not read yet; none: caught up.
      const first = (rows as [string, string[]][])[0];
      const lag = first ? Math.max(0, now - Number(first[0].split('-')[0])) / 1000 : 0;
      m.gauge('celerity_event_pipeline_lag_seconds', '', lag, { queue: q });
    });
  }

  m.gauge('celerity_scrape_duration_seconds', 'How long collecting these metrics took.', (performance.now() - started) / 1000);
  return m.toString();
}
