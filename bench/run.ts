import { writeSection } from './support';
import { benchSchedules } from './schedules';
import { benchQueues } from './queues';
import { benchLive } from './live';

/**
 * `npm run bench [-- name…]`: run the benchmarks (all, or the named ones) and
 * write their sections of BENCHMARKS.md. Benchmarks start their own Redis and
 * processes and talk to loopback only.
 */
const benches: Record<string, () => Promise<string>> = {
  schedules: benchSchedules,
  queues: benchQueues,
  live: benchLive,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(benches);
for (const n of names) {
  if (!benches[n]) {
    console.error(`Unknown benchmark "${n}". Known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
for (const n of names) {
  console.log(`[bench] ${n}…`);
  const md = await benches[n]!();
  writeSection(n, md);
  console.log(md);
}
process.exit(0);
