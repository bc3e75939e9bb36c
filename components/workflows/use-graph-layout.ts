'use client';
import { useEffect, useMemo, useRef, useState } from 'react';
import { LARGE_GRAPH, layoutGraph, layoutKey, type LayoutInput, type Positions } from './graph-layout';
import { layeredLayout } from './layered-layout';

type Reply = { id: number; positions: Positions } | { id: number; error: string };

/**
 * The layout worker. Written exactly `new Worker(new URL(…, import.meta.url))`: the form Turbopack
 * recognises and bundles as a worker (anything else ships the .ts file as a plain asset). Its
 * bootstrap loads chunks with importScripts, so the worker is a classic one (no `type: 'module'`).
 */
function startWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  try {
    return new Worker(new URL('./layout.worker.ts', import.meta.url));
  } catch {
    return null;
  }
}

/** elk on the main thread: where workers are unavailable, or the worker script failed to load. */
async function layoutHere(input: LayoutInput): Promise<Positions> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  return layoutGraph(new ELK(), input);
}

/**
 * The positions of the graph's nodes, computed only when the graph's shape changes: live frames
 * that change states and progress keep the layout. A large graph (over LARGE_GRAPH steps) is laid
 * out at once on the main thread (layered-layout.ts: about a millisecond), so its page draws it
 * without waiting for elk; a smaller one by elkjs in a web worker (layout.worker.ts). While a new
 * shape is laid out in the worker, the previous positions stay on screen.
 */
export function useGraphLayout(input: LayoutInput): { positions: Positions | null; error: string | null; ms: number | null } {
  const key = useMemo(() => layoutKey(input), [input]);
  const large = input.nodes.length > LARGE_GRAPH;
  const quick = useMemo(
    () => {
      if (!large) return null;
      const started = performance.now();
      const positions = layeredLayout(input);
      return { positions, error: null, ms: Math.round(performance.now() - started) };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- key holds everything the layout reads
    [key, large],
  );
  const latest = useRef(input);
  const [state, setState] = useState<{ key: string | null; positions: Positions | null; error: string | null; ms: number | null }>({
    key: null,
    positions: null,
    error: null,
    ms: null,
  });
  const worker = useRef<Worker | null | undefined>(undefined);
  const seq = useRef(0);

  useEffect(() => {
    latest.current = input;
  });

  useEffect(
    () => () => {
      worker.current?.terminate();
      worker.current = undefined;
    },
    [],
  );

  useEffect(() => {
    const id = ++seq.current;
    if (large) return; // laid out above
    const started = performance.now();
    const done = (r: { positions: Positions } | { error: string }) => {
      if (id !== seq.current) return; // a newer shape is being laid out
      const ms = Math.round(performance.now() - started);
      setState('positions' in r ? { key, positions: r.positions, error: null, ms } : (s) => ({ ...s, key, error: r.error, ms }));
    };
    const fallback = () =>
      layoutHere(latest.current).then(
        (positions) => done({ positions }),
        (e: unknown) => done({ error: String(e) }),
      );

    if (worker.current === undefined) worker.current = startWorker();
    const w = worker.current;
    if (!w) {
      void fallback();
      return;
    }
    const onMessage = (e: MessageEvent<Reply>) => e.data.id === id && done(e.data);
    const onError = () => {
      w.terminate();
      worker.current = null;
      void fallback();
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage({ id, input: latest.current });
    return () => {
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
    };
  }, [key, large]);

  return quick ?? { positions: state.positions, error: state.error, ms: state.ms };
}
