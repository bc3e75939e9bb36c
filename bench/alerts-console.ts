import { Redis } from 'ioredis';
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
 * environment (the bench points REDIS_URL at a counting proxy); with
 * ALERTS_REDIS_URL the evaluator gets a connection of its own there (a second
 * proxy, so its commands are counted apart from the relay's). Prints
 * `ALERTS_CONSOLE_READY <url>`, stops on SIGTERM.
 */
const live = await startSharedLiveConsole({}, {});
let evaluations = 0;
// A line per evaluation: the bench counts them, so a phase that evaluated nothing shows.
const onEvaluated = () => process.stdout.write(`ALERTS_EVALUATED ${++evaluations}\n`);
const own = process.env.ALERTS_REDIS_URL ? new Redis(process.env.ALERTS_REDIS_URL, { maxRetriesPerRequest: null }) : undefined;
const alerts = new AlertEvaluator({ redis: own ?? getRedis(), logger: createLogger('alerts-console', 'warn'), publicUrl: live.url, onEvaluated });
alerts.start();
process.stdout.write(`ALERTS_CONSOLE_READY ${live.url}\n`);
process.on('SIGTERM', () => {
  void Promise.all([alerts.stop(), live.close()]).then(() => {
    own?.disconnect();
    process.exit(0);
  });
});
