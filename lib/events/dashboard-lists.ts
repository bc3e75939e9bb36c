import { readActiveJobs } from '../data/dashboard-active';
import { readLatestFailures } from '../data/dashboard-failures';
import { readTaskTimings } from '../data/dashboard-timings';
import type { DashboardDelta } from './contract';
import { ChangeDetector } from './change-detector';

/** The dashboard lists that are re-read when events say they changed. */
export type DashboardList = 'active' | 'failures' | 'timings';
type ListValue<L extends DashboardList> = NonNullable<DashboardDelta[L]>;

/**
 * One list: re-read only when marked dirty, at most every `everyMs` (however
 * many events arrive), and returned only when it differs from the last one sent.
 */
class ThrottledList<T> {
  dirty = true;
  private lastRead = 0;
  private readonly detector: ChangeDetector<T>;

  constructor(
    private readonly everyMs: number,
    private readonly read: (queues: readonly string[]) => Promise<T>,
    key?: (value: T) => unknown,
  ) {
    this.detector = new ChangeDetector(key);
  }

  /** The list when it was dirty, due and changed; undefined otherwise. */
  async next(queues: readonly string[], now: number): Promise<T | undefined> {
    if (!this.dirty || now - this.lastRead < this.everyMs) return undefined;
    this.dirty = false;
    this.lastRead = now;
    const value = await this.read(queues);
    return this.detector.changed(value) ? value : undefined;
  }

  reset(): void {
    this.dirty = true;
    this.detector.reset();
  }
}

/**
 * The dashboard's active jobs, latest failures and task timings: each re-read
 * only after events say it may have changed, at most every 0.5, 1 and 5 s, and
 * sent only when it did change.
 */
export class DashboardLists {
  private readonly lists: { [L in DashboardList]: ThrottledList<ListValue<L>> } = {
    active: new ThrottledList(500, readActiveJobs),
    failures: new ThrottledList(1000, readLatestFailures),
    // Timings carry their read time: only the per-task figures count as a change.
    timings: new ThrottledList(5000, readTaskTimings, (t) => t.tasks),
  };

  /** These lists may have changed: re-read them when due. */
  touch(...names: DashboardList[]): void {
    for (const name of names) this.lists[name].dirty = true;
  }

  /** After Redis came back: every list is re-read and sent even if unchanged. */
  reset(): void {
    for (const list of Object.values(this.lists)) list.reset();
  }

  /** The lists that changed since they were last sent, read over `queues`. */
  async delta(queues: readonly string[], now: number): Promise<Pick<DashboardDelta, DashboardList>> {
    const delta: Pick<DashboardDelta, DashboardList> = {};
    const active = await this.lists.active.next(queues, now);
    if (active !== undefined) delta.active = active;
    const failures = await this.lists.failures.next(queues, now);
    if (failures !== undefined) delta.failures = failures;
    const timings = await this.lists.timings.next(queues, now);
    if (timings !== undefined) delta.timings = timings;
    return delta;
  }
}
