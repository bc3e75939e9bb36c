'use client';
import { useEffect, useState } from 'react';
import { formatDuration } from '../ui/format';

/**
 * How long ago a moment was ("3 min 4 s"), ticking once a second in the
 * browser. The server's HTML says "—" until then: its clock and the render
 * time would make any server value wrong by the time it is read.
 */
export function Age({ since, label }: { since: number | null; label?: string }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    if (since === null) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [since]);
  if (since === null) return <>—</>;
  const iso = new Date(since).toISOString();
  return (
    <time dateTime={iso} title={iso} aria-label={label}>
      {now === null ? '—' : formatDuration(Math.max(0, now - since))}
    </time>
  );
}
