import { getRedis } from '../redis';
import { findHeldJobs, type HeldScan } from '../queue/held-jobs';
import { heldOf } from './held-dto';
import type { HeldGroupDTO, HeldSummaryDTO } from './held-schemas';

export type { HeldGroupDTO, HeldSummaryDTO } from './held-schemas';

/** Group a scan's current holds (stale records left out) by task and label, busiest first. */
export function summarizeHeld(scan: HeldScan): HeldSummaryDTO {
  const groups = new Map<string, HeldGroupDTO>();
  let total = 0;
  for (const row of scan.rows) {
    const h = heldOf(row.held, row.state, row.attemptsStarted);
    if (!h) continue;
    total++;
    const key = `${row.task}\u0000${h.label}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.nextAt = Math.min(g.nextAt, h.until);
    } else groups.set(key, { task: row.task, reason: h.reason, label: h.label, count: 1, nextAt: h.until });
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || a.task.localeCompare(b.task) || a.label.localeCompare(b.label));
  return { total, groups: sorted, complete: scan.complete };
}

/** The held jobs of `queue`, summarized (one bounded Lua read: lib/queue/held-jobs.ts). */
export async function getHeldSummary(queue: string): Promise<HeldSummaryDTO> {
  return summarizeHeld(await findHeldJobs(getRedis(), queue));
}
