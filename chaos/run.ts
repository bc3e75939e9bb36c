import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRig } from './rig';
import { CHAOS_QUEUE } from './chaos-tasks';
import {
  FULL,
  SHORT,
  RECOVERY_TARGET_MS,
  killDuringLoad,
  redisRestarts,
  scheduleChurn,
  sigtermDrain,
  recoverySummary,
  type ChaosResult,
  type ChaosSize,
} from './scenarios';
import { verdict, writeSection } from '../bench/support';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterFailover, type ClusterFailoverReport } from './cluster-failover';

/**
 * `npm run chaos [-- --short] [--no-write] [scenario…]`: the chaos suite. Each
 * scenario gets a fresh private Redis and fresh worker processes
 * (chaos/rig.ts), and reports acknowledged / completed / lost / duplicate
 * counts, recovery times and missed slots against issue 19's targets. The full
 * run writes the "Chaos" section of BENCHMARKS.md; `--short` (seconds, what
 * test/chaos-short.test.ts runs) prints a JSON line `CHAOS-RESULT {…}` per scenario.
 * Scale-out and workflow chaos scenarios join this file's table.
 */
type Scenario = (rig: Awaited<ReturnType<typeof startRig>>, queue: Queue, size: ChaosSize) => Promise<ChaosResult>;
const scenarios: Record<string, Scenario> = {
  kill: killDuringLoad,
  restart: redisRestarts,
  sigterm: sigtermDrain,
  schedule: scheduleChurn,
};

const { values, positionals } = parseArgs({ options: { short: { type: 'boolean' }, 'no-write': { type: 'boolean' } }, allowPositionals: true });
const size = values.short ? SHORT : FULL;
// `cluster` (a master of a Redis Cluster killed, chaos/cluster-failover.ts) brings its own cluster, not the rig; the short
// run leaves it to test/chaos-cluster.test.ts.
const runCluster = positionals.length ? positionals.includes('cluster') : !values.short;
const names = positionals.length ? positionals.filter((n) => n !== 'cluster') : Object.keys(scenarios);
for (const n of names) if (!scenarios[n]) throw new Error(`Unknown scenario "${n}". Known: ${[...Object.keys(scenarios), 'cluster'].join(', ')}`);

// Heartbeats as in production for the full run (the recovery target is measured with them); faster for the short one.
const heartbeatMs = size.short ? 1000 : 5000;
const results = names.length ? await runOnRig(names) : [];

const cluster = runCluster ? await runClusterFailover() : undefined;
const markdown = [...(results.length ? [report(results, size, heartbeatMs)] : []), ...(cluster ? [clusterReport(cluster)] : [])].join('\n\n');
console.log(markdown);
if (!values.short && !values['no-write']) writeSection('chaos', markdown);
process.exit(0);

/** The single-Redis scenarios, each on a fresh rig state (private Redis, worker processes). */
async function runOnRig(scenarioNames: string[]): Promise<ChaosResult[]> {
  const out: ChaosResult[] = [];
  const rig = await startRig({ CELERITY_CONCURRENCY: String(size.concurrency), CELERITY_HEARTBEAT_MS: String(heartbeatMs) });
  // The producer and the schedule service in this process use the rig's Redis (lib/env.ts reads REDIS_URL once, here before any use).
  // eslint-disable-next-line no-restricted-properties
  process.env.REDIS_URL = rig.redisUrl;
  const connection = new Redis(rig.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue(CHAOS_QUEUE, { connection });
  queue.on('error', () => {});
  try {
    for (const n of scenarioNames) {
      await rig.reset();
      console.log(`[chaos] ${n}…`);
      const result = await scenarios[n]!(rig, queue, size);
      out.push(result);
      console.log(`CHAOS-RESULT ${JSON.stringify({ name: n, ...result })}`);
    }
  } finally {
    await queue.close();
    connection.disconnect();
    await rig.close();
  }
  return out;
}

async function runClusterFailover(): Promise<ClusterFailoverReport> {
  console.log('[chaos] cluster…');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-chaos-cluster-'));
  try {
    const r = await clusterFailover({ dir, before: 200, lagging: 100, after: 200 });
    console.log(`CHAOS-RESULT ${JSON.stringify({ name: 'cluster', ...r })}`);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function clusterReport(r: ClusterFailoverReport): string {
  return [
    '### A Redis Cluster master killed',
    '',
    `\`npm run chaos -- cluster\` (chaos/cluster-failover.ts): a private 3-master Redis Cluster with one replica per master, a worker (\`celerity worker\`, lock 4 s, stall check 2 s) and two producers on it, one enqueueing with \`waitForReplicas: { replicas: 1 }\` and one without. The replica of the queue's master is made to lag (frozen, its link cut by the master) while 100 more jobs are acknowledged, then the master is killed with \`kill -9\`, the replica resumes and takes over; the killed node restarts and rejoins as a replica.`,
    '',
    '| enqueued | acknowledged | lost | refused (threw: outcome unknown) |',
    '|---|---|---|---|',
    `| with waitForReplicas | ${r.acknowledged.wait} | ${r.lost.wait} | ${r.refused} (both producers) |`,
    `| without | ${r.acknowledged.nowait} | ${r.lost.nowait} | |`,
    '',
    `- Jobs acknowledged with \`waitForReplicas\` lost: ${r.lost.wait} (target 0: ${verdict(r.lost.wait === 0)}). Without it, the jobs the master acknowledged while its replica lagged are lost with it (${r.lost.nowait}): the bound is the replication lag at the crash.`,
    `- Failover (kill to a replica serving the slot): ${(r.failoverMs / 1000).toFixed(1)} s; first job enqueued after the kill completed ${(r.recoveryMs / 1000).toFixed(1)} s after the kill. Handlers started twice (at-least-once: completions lost with the master): ${r.ranTwice}.`,
  ].join('\n');
}

function report(rs: ChaosResult[], s: ChaosSize, heartbeatMs: number): string {
  const rows = rs.map(
    (r) =>
      `| ${r.scenario} | ${r.acknowledged} | ${r.completed} | ${r.lost} | ${r.duplicates} | ${r.completedTwice} | ${recoverySummary(r.recoveryMs)} | ${r.notes.join('; ')} |`,
  );
  const recoveries = rs.flatMap((r) => r.recoveryMs);
  const lost = rs.reduce((n, r) => n + r.lost, 0);
  return [
    '## Chaos: delivery under faults',
    '',
    `\`npm run chaos\` (chaos/run.ts): private redis-server with AOF, ${s.workers} worker processes (\`celerity worker -A chaos/chaos-tasks.ts\`, concurrency ${s.concurrency}, heartbeat ${heartbeatMs / 1000} s, BullMQ lock and stall interval at their 30 s defaults), ${s.rate} jobs/s of a 200 ms task for ${s.seconds} s per scenario. "Duplicates": jobs whose handler started twice; "completed twice": ran to the end twice (at-least-once). Recovery: from a \`kill -9\` to the last of the killed worker's running jobs starting on another worker.`,
    '',
    '| Scenario | Acknowledged | Completed | Lost | Duplicates | Completed twice | Recovery after kill -9 | Notes |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- Every acknowledged job completed (lost = 0): ${verdict(lost === 0)}.`,
    `- A kill -9ed worker's jobs run again within ${RECOVERY_TARGET_MS / 1000} s of the kill: ${recoveries.length ? verdict(Math.max(...recoveries) <= RECOVERY_TARGET_MS) : '—'} (${recoverySummary(recoveries)}; BullMQ's stall detection alone: ~60 s, issue 19).`,
  ].join('\n');
}
