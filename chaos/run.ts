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
const names = positionals.length ? positionals : Object.keys(scenarios);
for (const n of names) if (!scenarios[n]) throw new Error(`Unknown scenario "${n}". Known: ${Object.keys(scenarios).join(', ')}`);

const results: ChaosResult[] = [];
// Heartbeats as in production for the full run (the recovery target is measured with them); faster for the short one.
const heartbeatMs = size.short ? 1000 : 5000;
const rig = await startRig({ CELERITY_CONCURRENCY: String(size.concurrency), CELERITY_HEARTBEAT_MS: String(heartbeatMs) });
// The producer and the schedule service in this process use the rig's Redis (lib/env.ts reads REDIS_URL once, here before any use).
// eslint-disable-next-line no-restricted-properties
process.env.REDIS_URL = rig.redisUrl;
const connection = new Redis(rig.redisUrl, { maxRetriesPerRequest: null });
connection.on('error', () => {});
const queue = new Queue(CHAOS_QUEUE, { connection });
queue.on('error', () => {});
try {
  for (const n of names) {
    await rig.reset();
    console.log(`[chaos] ${n}…`);
    const result = await scenarios[n]!(rig, queue, size);
    results.push(result);
    console.log(`CHAOS-RESULT ${JSON.stringify({ name: n, ...result })}`);
  }
} finally {
  await queue.close();
  connection.disconnect();
  await rig.close();
}

const markdown = report(results, size, heartbeatMs);
console.log(markdown);
if (!values.short && !values['no-write']) writeSection('chaos', markdown);
process.exit(0);

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
