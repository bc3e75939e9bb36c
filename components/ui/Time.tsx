'use client';
import { useEffect, useState } from 'react';

/** A timestamp: ISO (UTC) in the server's HTML, the viewer's local time once in the browser. */
export function Time({ ms, fallback = '—' }: { ms: number | null | undefined; fallback?: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    if (ms) setLocal(new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }));
  }, [ms]);
  if (!ms) return <>{fallback}</>;
  const iso = new Date(ms).toISOString();
  return <time dateTime={iso}>{local ?? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>;
}
