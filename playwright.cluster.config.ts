import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The console on a Redis Cluster (e2e/cluster/): a private 3-master cluster, one
 * console and one worker on it, started by e2e/cluster/global-setup.ts. A smoke:
 * dashboard, a queue page, a job page, a task run to completion.
 * `npx playwright test -c playwright.cluster.config.ts` (its own NEXT_DIST_DIR when others build too).
 */
export default defineConfig({
  ...base,
  testDir: 'e2e/cluster',
  testIgnore: [],
  outputDir: 'test-results/cluster',
  globalSetup: './e2e/cluster/global-setup.ts',
  globalTeardown: './e2e/cluster/global-teardown.ts',
});
