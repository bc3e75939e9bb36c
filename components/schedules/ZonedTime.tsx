'use client';
import { formatInZone } from '@/lib/scheduler/zoned-time';
import { useViewerZone } from './use-viewer-zone';

/**
 * An instant in the viewer's zone and in the schedule's zone
 * ("2026-12-06 11:03 (America/New_York)" over "2026-12-06 17:03 (Europe/Paris)");
 * once only when the two zones are the same. Before hydration (the server does
 * not know the viewer's zone) only the schedule's zone is shown.
 */
export function ZonedTime({ ms, zone, fallback = '—' }: { ms: number | null | undefined; zone: string; fallback?: string }) {
  const viewer = useViewerZone();
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return <>{fallback}</>;
  const inZone = safeFormat(ms, zone);
  return (
    <time dateTime={new Date(ms).toISOString()} className="tabular-nums">
      {viewer && viewer !== zone ? (
        <>
          <span className="block">{safeFormat(ms, viewer)}</span>
          <span className="block text-xs text-slate-500 dark:text-slate-400">{inZone}</span>
        </>
      ) : (
        inZone
      )}
    </time>
  );
}

/** formatInZone, or the ISO instant when the zone is unknown to this browser. */
function safeFormat(ms: number, zone: string): string {
  try {
    return formatInZone(ms, zone);
  } catch {
    return new Date(ms).toISOString();
  }
}
