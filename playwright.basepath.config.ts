import { defineConfig } from '@playwright/test';
import base from './playwright.config';
import { BASE_PATH, BASEPATH_DIST_DIR } from './e2e/basepath/basepath-env';

/**
 * The console under a path (CELERITY_BASE_PATH=/admin/jobs, e2e/basepath/):
 * its own build (Next fixes the base path at build time) in its own build
 * directory, its own Redis, an open console and one with accounts, both under
 * the path; started by e2e/basepath/global-setup.ts. `npm run test:e2e:basepath`.
 */
// Set before anything reads them: the build (global setup) and the build checks read this process's environment.
process.env.NEXT_DIST_DIR = BASEPATH_DIST_DIR;
process.env.CELERITY_BASE_PATH = BASE_PATH;

export default defineConfig({
  ...base,
  testDir: 'e2e/basepath',
  testIgnore: [],
  outputDir: 'test-results/basepath',
  globalSetup: './e2e/basepath/global-setup.ts',
  globalTeardown: './e2e/basepath/global-teardown.ts',
  use: {
    ...base.use,
    // The specs name whole paths (`${BASE_PATH}/queues`): a baseURL path would be dropped by a leading '/'.
    baseURL: process.env.CELERITY_E2E_BASEPATH_ORIGIN,
  },
});
