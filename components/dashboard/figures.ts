/** Small number formats of the dashboard (plain functions: server and browser). */

/** "12.5%" of part in whole; "—" when whole is 0. */
export function percent(part: number, whole: number): string {
  if (!whole) return '—';
  const p = (part / whole) * 100;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** Jobs per second, "0.4/s", "12/s". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond === 0) return '0/s';
  return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
}
