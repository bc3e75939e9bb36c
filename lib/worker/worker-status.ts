import type { Heartbeat } from './heartbeat';

/**
 * What the worker is doing now. One object shared by reference: the control
 * commands and the shutdown change it, the processor, the delay pacers and the
 * heartbeat read it, so each sees a change at once without a callback.
 */
export class WorkerStatus {
  /** running, paused (remote pause: takes no new jobs) or stopping. */
  state: Heartbeat['state'] = 'running';

  constructor(
    /** Jobs run at once per queue (changed by the console's concurrency command). */
    public concurrency: number,
  ) {}
}
