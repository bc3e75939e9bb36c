import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The cluster suite (`npm run test:cluster`): the same tests on a private 3-master
 * Redis Cluster (test/cluster-global-setup.ts gives them its redis+cluster:// URL
 * as `redisUrl`). Not the whole suite: one or more files for every module that
 * issues Redis commands, so each of them has run against a cluster — queues and
 * jobs, job actions and re-runs, enqueue and waiting for results, the worker
 * (control channel, heartbeats, catalogue), schedules (store, reconcile at each worker start,
 * watchdog), accounts, sessions, tokens, audit, login throttling, metrics —
 * plus the cluster-only tests (test/cluster-*.test.ts, test/relay-cluster-*.test.ts).
 */
export const CLUSTER_SUBSET = [
  'lib/queue/queue-names.test.ts',
  'lib/queue/job-actions.test.ts',
  'lib/queue/queue-actions.test.ts',
  'lib/queue/attempt-log.test.ts',
  'lib/queue/run-task.test.ts',
  'lib/client/result-listener.test.ts',
  'lib/worker/control-listener.test.ts',
  'lib/worker/heartbeat-loop.test.ts',
  'lib/auth/password-upgrade.test.ts',
  'lib/metrics/collect-metrics.test.ts',
  // The console's reads and its API (cluster-console helper): job pages, lists, queue summaries, results search and export, the API over HTTP.
  'lib/data/job-dto.test.ts',
  'lib/data/job-list.test.ts',
  'lib/data/queue-dto.test.ts',
  'lib/data/results-export.test.ts',
  'lib/queue/search-results.test.ts',
  'lib/api/api-app.test.ts',
  'test/api-tasks.test.ts',
  'test/enqueue-client.test.ts',
  'test/enqueue-many.test.ts',
  'test/enqueue-wait.test.ts',
  'test/schedules-lifecycle.test.ts',
  'test/schedules-watchdog.test.ts',
  'test/schedules-reconcile.test.ts',
  'test/session-lifetime.test.ts',
  'test/cluster-*.test.ts',
  'test/relay-cluster-*.test.ts',
];

// Spread, not mergeConfig: that would append to `include` and `globalSetup` instead of replacing them
// (the single Redis of test/global-setup.ts is not started here).
export default defineConfig({
  ...base,
  // One file at a time: some files stop and restart nodes (of private clusters, but on the same 2 cores).
  test: { ...base.test, include: CLUSTER_SUBSET, globalSetup: ['test/cluster-global-setup.ts'], maxWorkers: 1 },
});
