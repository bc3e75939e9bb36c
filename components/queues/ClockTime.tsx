'use client';
import { useEffect, useState } from 'react';

/** A time of day to the second ("10:42:03"): UTC in the server's HTML, the viewer's local time once in the browser. */
export function ClockTime({ ms }: { ms: number }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    setLocal(new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }));
  }, [ms]);
  const iso = new Date(ms).toISOString();
  return <time dateTime={iso}>{local ?? `${iso.slice(11, 19)} UTC`}</time>;
}
