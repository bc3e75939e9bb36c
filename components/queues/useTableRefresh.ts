'use client';
import { useCallback, useEffect, useRef } from 'react';
import { useRouter } from 'next/navigation';

/** Least time between two re-reads of a queue page's server-rendered table. */
const REFRESH_GAP_MS = 1000;

/**
 * Re-read the page's server-rendered table (`router.refresh()`), at most once a second: calls within the
 * gap are folded into one at its end. The queue page's live parts call it when what the rows show changed.
 */
export function useTableRefresh(): () => void {
  const router = useRouter();
  const lastRefresh = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  return useCallback(() => {
    if (pending.current) return;
    const wait = Math.max(0, REFRESH_GAP_MS - (Date.now() - lastRefresh.current));
    pending.current = setTimeout(() => {
      pending.current = undefined;
      lastRefresh.current = Date.now();
      router.refresh();
    }, wait);
  }, [router]);
}
