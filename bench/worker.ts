import { readFileSync } from 'node:fs';
import path from 'node:path';
import { benchWorkerThroughput } from './worker-throughput';
import { benchRoundTrip } from './round-trip';
import { ROOT } from './support';

/**
 * The `worker` section of BENCHMARKS.md (`npm run bench -- worker`): each part
 * in its own module, run one after the other (never at once: they share the
 * machine), its markdown under the section's heading.
 */
const PARTS = [
  { name: 'throughput', heading: '### Worker throughput', run: benchWorkerThroughput },
  { name: 'round-trip', heading: '### Round trip and enqueue', run: benchRoundTrip },
] as const;

/** A part's text in BENCHMARKS.md as its last run left it (from its heading to the next part's or the section's end). */
function previousPart(heading: string): string | undefined {
  const text = readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
  const section = /<!-- bench:worker -->([\s\S]*?)<!-- \/bench:worker -->/.exec(text)?.[1] ?? '';
  const start = section.indexOf(heading);
  if (start < 0) return undefined;
  const rest = section.slice(start);
  const ends = [...PARTS.map((p) => p.heading), '\nRun on '].map((h) => rest.indexOf(h, heading.length)).filter((i) => i > 0);
  return rest.slice(0, Math.min(...ends, rest.length)).trim();
}

export async function benchWorker(): Promise<string> {
  // BENCH_WORKER_PARTS=throughput,round-trip (default both) runs some of them; a part not run keeps its last text.
  const wanted = new Set((process.env.BENCH_WORKER_PARTS ?? 'throughput,round-trip').split(','));
  const parts: string[] = [];
  for (const part of PARTS) {
    const text = wanted.has(part.name) ? await part.run() : previousPart(part.heading);
    if (text) parts.push(text);
  }
  return ["## Celerity's worker and client against BullMQ", '', parts.join('\n\n'), '', `Run on ${new Date().toISOString().slice(0, 10)}.`].join('\n');
}
