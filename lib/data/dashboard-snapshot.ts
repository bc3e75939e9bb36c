import { discoverQueues } from '../queue/queue-registry';
import { getRedis } from '../redis';
import { readHeartbeats } from '../worker/heartbeat';
import { getLiveRelay } from '../events/live-relay';
import type { ThroughputSnapshot } from '../events/throughput';
import type { ActiveJobs, Failure, Timings } from '../events/contract';
import { readActiveJobs } from './dashboard-active';
import { readLatestFailures } from './dashboard-failures';
import { readTaskTimings } from './dashboard-timings';

export interface DashboardSnapshotDTO {
  at: number;
  /** Per-second throughput of the last minutes, from this console's memory; null when no relay runs in this process. */
  live: ThroughputSnapshot | null;
  active: ActiveJobs;
  failures: Failure[];
  timings: Timings;
  workers: { alive: number; lost: number };
}

/**
 * What the dashboard shows besides the queue counts, read at once: a page's
 * starting point, re-read after a reconnect or a resync. Bounded reads (20
 * active jobs, 10 failures, a sample of recent completed jobs that is shared
 * for 5 s between pages).
 */
export async function getDashboardSnapshot(): Promise<DashboardSnapshotDTO> {
  const queues = await discoverQueues({ maxAgeMs: 'auto' });
  const [active, failures, timings, hb] = await Promise.all([
    readActiveJobs(queues),
    readLatestFailures(queues),
    readTaskTimings(queues),
    readHeartbeats(getRedis()),
  ]);
  return {
    at: Date.now(),
    live: (await getLiveRelay()?.throughput()) ?? null,
    active,
    failures,
    timings,
    workers: { alive: hb.alive.length, lost: hb.lost.length },
  };
}
