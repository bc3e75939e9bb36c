import { getRedis } from '../redis';
import { toWorkersDto, type WorkersDTO } from '../data/worker-dto';
import { readHeartbeats } from '../worker/heartbeat';
import type { Logger } from '../logger';
import type { DashboardDelta, WorkersFrame } from './contract';
import { ChangeDetector } from './change-detector';

export interface WorkersPollerOptions {
  logger: Logger;
  /** Whether anyone watches the workers or the dashboard (else the heartbeats are not read at all). */
  watched(): boolean;
  redisUp(): boolean;
  /** How often the heartbeats are read while someone watches. */
  pollMs?: number;
}

type WorkerCounts = NonNullable<DashboardDelta['workers']>;

/**
 * Reads the workers' heartbeats every ~1.5 s, once per console whatever the
 * number of viewers, only while someone watches the workers or the dashboard.
 * A change waits for the next frame: the whole list for the `workers` room,
 * the alive/lost counts for the dashboard.
 */
export class WorkersPoller {
  /** The list without its read time (`at` changes on every read). */
  private readonly list = new ChangeDetector<WorkersDTO>((dto) => [dto.alive, dto.lost]);
  private readonly counts = new ChangeDetector<WorkerCounts>();
  private pendingFrame: WorkersFrame | undefined;
  private pendingCounts: WorkerCounts | undefined;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: WorkersPollerOptions) {}

  /** Poll every `pollMs` (a poll does nothing while nobody watches). */
  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1500);
  }

  /** No more polls. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** The workers frame to send, if the list changed since the last one taken. */
  takeFrame(): WorkersFrame | undefined {
    const frame = this.pendingFrame;
    this.pendingFrame = undefined;
    return frame;
  }

  /** The dashboard's alive/lost counts, if they changed since the last ones taken. */
  takeCounts(): WorkerCounts | undefined {
    const counts = this.pendingCounts;
    this.pendingCounts = undefined;
    return counts;
  }

  /** After Redis came back: the next reading is sent even if unchanged (pages re-read their snapshots). */
  reset(): void {
    this.list.reset();
    this.counts.reset();
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.opts.redisUp() || !this.opts.watched()) return;
    this.polling = true;
    try {
      const dto = toWorkersDto(await readHeartbeats(getRedis()));
      if (this.list.changed(dto)) this.pendingFrame = { v: 1, ...dto };
      const counts = { alive: dto.alive.length, lost: dto.lost.length };
      if (this.counts.changed(counts)) this.pendingCounts = counts;
    } catch (err) {
      this.opts.logger.debug('heartbeat poll failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
