import { benchWorkerThroughput } from './worker-throughput';
import { benchRoundTrip } from './round-trip';
import { runParts } from './support';

/**
 * The `worker` section of BENCHMARKS.md (`npm run bench -- worker`): each part
 * in its own module, run one after the other (never at once: they share the
 * machine), its markdown under the section's heading.
 * BENCH_WORKER_PARTS=throughput,round-trip (default both) runs some of them; a part not run keeps its last text.
 */
export async function benchWorker(): Promise<string> {
  const parts = await runParts('worker', 'BENCH_WORKER_PARTS', [
    { name: 'throughput', heading: '### Worker throughput', run: benchWorkerThroughput },
    { name: 'round-trip', heading: '### Round trip and enqueue', run: benchRoundTrip },
  ]);
  return ["## Celerity's worker and client against BullMQ", '', parts.join('\n\n'), '', `Run on ${new Date().toISOString().slice(0, 10)}.`].join('\n');
}
