import { startSharedLiveConsole } from '../test/live-harness';
import { createLogger } from '../lib/logger';
import { getRedis } from '../lib/redis';
import { AlertEvaluator } from '../lib/alerts/alert-evaluator';

/**
 * The alerts bench's console: the live half of server.ts (relay on its
 * lease, pub/sub adapter; test/live-harness.ts) plus the alerts' evaluator,
 * started as server.ts starts it (default period, lease and sender). Without
 * rules in Redis it is the console without alerts; with rules, the same
 * process evaluating them. REDIS_URL and CELERITY_PREFIX come from the
 * environment (the bench points REDIS_URL at a counting proxy). Prints
 * `ALERTS_CONSOLE_READY <url>`, stops on SIGTERM.
 */
const live = await startSharedLiveConsole({}, {});
let evaluations = 0;
// A line per evaluation: the bench counts them, so a phase that evaluated nothing shows.
const onEvaluated = () => process.stdout.write(`ALERTS_EVALUATED ${++evaluations}\n`);
const alerts = new AlertEvaluator({ redis: getRedis(), logger: createLogger('alerts-console', 'warn'), publicUrl: live.url, onEvaluated });
alerts.start();
process.stdout.write(`ALERTS_CONSOLE_READY ${live.url}\n`);
process.on('SIGTERM', () => {
  void Promise.all([alerts.stop(), live.close()]).then(() => process.exit(0));
});
