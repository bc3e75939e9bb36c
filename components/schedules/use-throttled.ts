'use client';
import { useCallback, useEffect, useRef } from 'react';

/**
 * A version of `fn` that runs at most once per `ms`: the first call runs at
 * once, calls within the window collapse into one call at its end (so the
 * last change is never lost). Used to re-read schedules on count frames,
 * which can come ten times a second.
 */
export function useThrottled(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  useEffect(() => {
    fnRef.current = fn;
  }, [fn]);
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({ last: 0, timer: undefined });
  useEffect(() => {
    const s = state.current;
    return () => clearTimeout(s.timer);
  }, []);
  return useCallback(() => {
    const s = state.current;
    if (s.timer !== undefined) return; // a trailing call is already planned
    const wait = s.last + ms - Date.now();
    const run = () => {
      s.timer = undefined;
      s.last = Date.now();
      fnRef.current();
    };
    if (wait <= 0) run();
    else s.timer = setTimeout(run, wait);
  }, [ms]);
}

/**
 * `load` wrapped so that only the newest call's result is applied: a slow
 * answer that arrives after a newer one must not put old data back.
 */
export function useLatest<T>(load: () => Promise<T>, apply: (value: T) => void, onError?: (err: unknown) => void): () => void {
  const seq = useRef(0);
  return useCallback(() => {
    const n = ++seq.current;
    load().then(
      (v) => n === seq.current && apply(v),
      (err) => n === seq.current && onError?.(err),
    );
  }, [load, apply, onError]);
}
