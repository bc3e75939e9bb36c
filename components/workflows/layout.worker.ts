/// <reference lib="webworker" />
import ELK from 'elkjs/lib/elk.bundled.js';
import { layoutGraph, type LayoutInput } from './graph-layout';

/**
 * The graph's layout off the main thread: elk takes ~0.1–1 s on large runs,
 * which would freeze the page (and its live updates) if run there.
 *
 * elk.bundled.js, evaluated in a worker, installs its own `onmessage` (it
 * thinks it is elk's worker script); assigning ours afterwards replaces it, and
 * elk then lays out in this thread through its in-process fake worker.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const elk = new ELK();

scope.onmessage = (e: MessageEvent<{ id: number; input: LayoutInput }>) => {
  const { id, input } = e.data;
  layoutGraph(elk, input).then(
    (positions) => scope.postMessage({ id, positions }),
    (err: unknown) => scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
  );
};
