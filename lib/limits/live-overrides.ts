import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import type { Throttle } from '../registry/task-throttle';
import { readOverrides } from './override-store';
import { effectiveThrottle, type TaskOverride } from './task-override';

/** What a worker applies to a task's jobs while it has an override: the throttle in force, and whether it is paused. */
export interface LiveControls {
  throttle: Throttle | undefined;
  paused: boolean;
}

/** How often a worker re-reads the overrides though no message came: a lost message is corrected within this. */
export const OVERRIDES_REFRESH_MS = 1000;

export interface LiveOverridesOptions {
  redis: RedisConnection;
  /** The code's throttle of each task this worker runs. */
  throttleOf: (task: string) => Throttle | undefined;
  logger: Logger;
  refreshMs?: number;
}

/**
 * A worker's copy of the tasks' live overrides, in memory: the job processor
 * asks it per job (a Map look-up, no Redis call), so a task without controls
 * costs nothing more than before. It is re-read when the console announces a
 * change on the control channel (within milliseconds on every worker), and
 * every second anyway: a message lost while the subscriber reconnected is
 * corrected within a second too, for one HGETALL of a small hash per second.
 */
export class LiveOverrides {
  private byTask = new Map<string, LiveControls>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  /** Overrides already reported as unusable (each is said once, not every second). */
  private readonly ignored = new Set<string>();

  constructor(private readonly opts: LiveOverridesOptions) {}

  /** The controls of a task with an override; undefined when it has none (its code's throttle holds). */
  get(task: string): LiveControls | undefined {
    return this.byTask.get(task);
  }

  /** Read once (so no job starts before the overrides are known), then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? OVERRIDES_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Re-read now. Calls while a read is under way make one more read after it
   * (a change announced during a read may not be in what it got).
   */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.read().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      this.apply(await readOverrides(this.opts.redis));
    } catch (err) {
      // Redis away: the last overrides known stay in force (the outage itself is reported by the connection's watcher).
      this.opts.logger.debug('could not read task overrides', { error: (err as Error).message });
    }
  }

  /** Replace the copy (one assignment: a job sees the old or the new overrides, never half of each). */
  apply(overrides: Map<string, TaskOverride>): void {
    const next = new Map<string, LiveControls>();
    for (const [task, o] of overrides) {
      try {
        next.set(task, { throttle: effectiveThrottle(this.opts.throttleOf(task), o), paused: o.paused === true });
      } catch (err) {
        const said = `${task}\n${JSON.stringify(o)}`;
        if (!this.ignored.has(said)) this.opts.logger.warn('task override ignored', { task, error: (err as Error).message });
        this.ignored.add(said);
      }
    }
    this.byTask = next;
  }
}
