import { parseArgs } from 'node:util';
import { writeSection } from './support';
import { benchSchedules } from './schedules';
import { benchQueues } from './queues';
import { benchLive } from './live';
import { benchWorker } from './worker';
import { benchPackage } from './package';
import { benchCluster } from './cluster';
import { benchConsoles } from './consoles';
import { benchControls } from './controls';
import { benchWorkflows } from './workflows';
import { benchAlerts } from './alerts';
import { baselineRef, prepareBaseline, type Baseline } from './baseline';

/**
 * `npm run bench [-- name…] [--baseline <ref>]`: run the benchmarks (all, or
 * the named ones) and write their sections of BENCHMARKS.md. Benchmarks start
 * their own Redis and processes and talk to loopback only. With a baseline
 * (`--baseline <ref>` or BENCH_BASELINE=<ref>), queues and live also measure
 * that commit's console side by side with today's (bench/baseline.ts);
 * schedules does not use it.
 */
const benches: Record<string, (baseline?: Baseline) => Promise<string>> = {
  schedules: () => benchSchedules(),
  queues: benchQueues,
  live: benchLive,
  worker: () => benchWorker(),
  package: () => benchPackage(),
  cluster: () => benchCluster(),
  consoles: () => benchConsoles(),
  controls: () => benchControls(),
  workflows: () => benchWorkflows(),
  alerts: () => benchAlerts(),
};
const usesBaseline = new Set(['queues', 'live']);

const { values, positionals } = parseArgs({ options: { baseline: { type: 'string' } }, allowPositionals: true });
const names = positionals.length ? positionals : Object.keys(benches);
for (const n of names) {
  if (!benches[n]) {
    console.error(`Unknown benchmark "${n}". Known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
const ref = baselineRef(values.baseline);
const baseline = ref && names.some((n) => usesBaseline.has(n)) ? await prepareBaseline(ref) : undefined;
for (const n of names) {
  console.log(`[bench] ${n}…`);
  const md = await benches[n]!(usesBaseline.has(n) ? baseline : undefined);
  writeSection(n, md);
  console.log(md);
}
process.exit(0);
