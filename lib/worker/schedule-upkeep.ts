import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import type { CodeSchedule } from '../scheduler/define-schedule';
import { syncCodeSchedules } from '../scheduler/code-schedules';
import { reconcileSchedules } from '../scheduler/schedule-service';
import { watchdogPass } from '../scheduler/watchdog';

/**
 * A worker's part in keeping schedules: at start, code schedules are stored
 * and BullMQ is brought in line with every definition (only what changed);
 * then a watchdog looks every `watchdogMs` for schedules whose next job was
 * lost (0 turns it off). Returns what stops the watchdog.
 */
export async function startScheduleUpkeep(
  command: RedisConnection,
  schedules: readonly CodeSchedule[] | undefined,
  watchdogMs: number,
  logger: Logger,
): Promise<{ stop: () => void }> {
  if (schedules?.length) await syncCodeSchedules(command, schedules, logger);
  const reconciled = await reconcileSchedules(command);
  if (reconciled.applied.length) logger.info('schedules applied', { names: reconciled.applied });
  if (watchdogMs <= 0) return { stop: () => {} };
  const watchdog = setInterval(() => {
    watchdogPass(command).then(
      (names) => names.length && logger.warn('watchdog restored schedules whose next job was lost', { names }),
      (err: Error) => logger.debug('watchdog pass failed', { error: err.message }),
    );
  }, watchdogMs);
  watchdog.unref();
  return { stop: () => clearInterval(watchdog) };
}
