import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import type { ControlAck, WorkerCommand } from './control';
import type { JobTracker } from './job-tracker';
import type { QueueWorkers } from './queue-workers';
import type { WorkerStatus } from './worker-status';

export interface WorkerCommandsDeps {
  workerId: string;
  status: WorkerStatus;
  workers: QueueWorkers;
  tracker: JobTracker;
  command: RedisConnection;
  logger: Logger;
  /** Publish the new state before answering, so the console's list agrees with the answer. */
  beat: () => Promise<void>;
  /** Start the shutdown (called after the answer is sent, since the stop waits for running jobs). */
  requestShutdown: () => void;
}

/**
 * The console's commands to one worker (pause, resume, concurrency,
 * shutdown), carried out on the worker's parts; each answer says what state
 * it left the worker in.
 */
export class WorkerCommands {
  constructor(private readonly deps: WorkerCommandsDeps) {}

  /** Carry out `msg` and answer it (ok: false when the worker is shutting down). */
  async obey(msg: WorkerCommand): Promise<ControlAck> {
    if (this.deps.status.state === 'stopping') {
      // Already on its way out: a second shutdown changes nothing (and must not look like a second signal).
      return msg.type === 'shutdown' ? this.answer(msg, true) : this.answer(msg, false, 'the worker is shutting down');
    }
    await this.apply(msg);
    await this.deps.beat();
    return this.answer(msg, true);
  }

  private async apply(msg: WorkerCommand): Promise<void> {
    const { status, workers, logger } = this.deps;
    switch (msg.type) {
      case 'pause':
        // Stop fetching now; jobs already running finish (not awaited: the console waits for this answer).
        status.state = 'paused';
        await workers.pause(this.deps.command);
        logger.info('paused from the console: taking no new jobs', { running: this.deps.tracker.runningCount() });
        break;
      case 'resume':
        await workers.resume();
        status.state = 'running';
        logger.info('resumed from the console');
        break;
      case 'concurrency':
        workers.setConcurrency(msg.concurrency);
        status.concurrency = msg.concurrency;
        logger.info('concurrency changed from the console', { concurrency: msg.concurrency });
        break;
      case 'shutdown':
        logger.info('shutdown requested from the console');
        status.state = 'stopping';
        // Answer first: the stop waits for running jobs, and the console waits for this answer.
        setImmediate(this.deps.requestShutdown);
        break;
    }
  }

  private answer(msg: WorkerCommand, ok: boolean, error?: string): ControlAck {
    const { workerId, status } = this.deps;
    return { requestId: msg.requestId, workerId, command: msg.type, ok, error, state: status.state, concurrency: status.concurrency, at: Date.now() };
  }
}
