/**
 * `celerity redis:stop`: stop a managed Redis left running — `celerity start` stops
 * its own on Ctrl-C, but not when it was killed outright (kill -9, a crash).
 * Its data stays in `${CELERITY_DATA_DIR}/redis` for the next start.
 */
import { managedRedisDir } from '../lib/managed-redis-state';
import { MANAGED_REDIS_STOP_TIMEOUT_MS, stopManagedRedis } from '../scripts/managed-redis';

export async function runRedisStopCommand(): Promise<void> {
  const result = await stopManagedRedis();
  const messages = {
    stopped: `Managed Redis stopped (data kept in ${managedRedisDir()}).`,
    killed: `Managed Redis did not stop within ${MANAGED_REDIS_STOP_TIMEOUT_MS / 1000} s and was killed (SIGKILL); the last second of writes may be lost.`,
    'not-running': 'No managed Redis is running.',
  } as const;
  console.log(messages[result]);
}
