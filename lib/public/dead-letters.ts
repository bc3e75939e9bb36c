import type { Job } from 'bullmq';
import type { DeadLetterOrigin } from '../queue/dead-letter';

/**
 * The dead-letter functions of `celerity`, loading BullMQ on their first call:
 * `import 'celerity'` must not load it (the package e2e checks), and the module
 * that does the work imports BullMQ at its top.
 */
const work = () => import('../queue/dead-letter');

export { deadLetterQueue } from '../queue/dead-letter-queue';

/** A task's dead letters, newest first (`start`..`end`, inclusive). */
export async function listDeadLetters(task: string, start?: number, end?: number): Promise<{ job: Job; origin: DeadLetterOrigin }[]> {
  return (await work()).listDeadLetters(task, start, end);
}

/** Send up to `limit` of a task's dead letters back to its queue as new jobs. */
export async function replayDeadLetters(task: string, limit?: number): Promise<{ queue: string; id: string }[]> {
  return (await work()).replayDeadLetters(task, limit);
}
