import { benchWorkerThroughput } from './worker-throughput';
import { benchRoundTrip } from './round-trip';

/**
 * The `worker` section of BENCHMARKS.md (`npm run bench -- worker`): each part
 * in its own module, run one after the other (never at once: they share the
 * machine), its markdown under the section's heading.
 */
export async function benchWorker(): Promise<string> {
  // BENCH_WORKER_PARTS=throughput,round-trip (default both) runs some of them.
  const wanted = new Set((process.env.BENCH_WORKER_PARTS ?? 'throughput,round-trip').split(','));
  const parts: string[] = [];
  if (wanted.has('throughput')) parts.push(await benchWorkerThroughput());
  if (wanted.has('round-trip')) parts.push(await benchRoundTrip());
  return ["## Celerity's worker and client against BullMQ", '', parts.join('\n\n'), '', `Run on ${new Date().toISOString().slice(0, 10)}.`].join('\n');
}
