'use client';
import { useEffect } from 'react';
import { useRouter } from 'next/navigation';

/** Re-render the server page every `ms` while visible (for views not pushed over Socket.IO yet). */
export function AutoRefresh({ ms }: { ms: number }) {
  const router = useRouter();
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') router.refresh();
    }, ms);
    return () => clearInterval(t);
  }, [router, ms]);
  return null;
}
