import type { RunningRedisCluster } from '../../scripts/redis-cluster';

/** The global setup's cluster, kept for the teardown (both run in Playwright's runner process, as separate modules). */
const holder = globalThis as { __celerityE2ECluster?: RunningRedisCluster };

export function keepCluster(c: RunningRedisCluster): void {
  holder.__celerityE2ECluster = c;
}

export async function stopKeptCluster(): Promise<void> {
  await holder.__celerityE2ECluster?.stop();
  holder.__celerityE2ECluster = undefined;
}
