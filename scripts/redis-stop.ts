/**
 * `npm run redis:stop`: stop the managed Redis that `npm start` leaves running
 * for reuse. Its data stays in `${CELERITY_DATA_DIR}/redis` for the next start.
 */
import { managedRedisDir, stopManagedRedis } from '../lib/managed-redis';

const result = await stopManagedRedis();
const messages = {
  stopped: `Managed Redis stopped (data kept in ${managedRedisDir()}).`,
  killed: 'Managed Redis did not stop within 15 s and was killed (SIGKILL); the last second of writes may be lost.',
  'not-running': 'No managed Redis is running.',
} as const;
console.log(messages[result]);
