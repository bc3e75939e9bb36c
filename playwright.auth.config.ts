import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The security suite (e2e/auth/): its own console WITH accounts (an admin and
 * a viewer), its own Redis and worker, started by e2e/auth/global-setup.ts.
 * The main suite (playwright.config.ts) keeps running without accounts.
 * `npm run test:e2e:auth`; part of `npm test`.
 */
export default defineConfig({
  ...base,
  testDir: 'e2e/auth',
  testIgnore: [],
  // Not under test-results/: a main-suite run empties that directory when it starts.
  outputDir: 'test-results-auth',
  globalSetup: './e2e/auth/global-setup.ts',
  globalTeardown: './e2e/auth/global-teardown.ts',
  use: {
    ...base.use,
    // Set by the global setup before the test workers start.
    baseURL: process.env.CELERITY_E2E_AUTH_BASE_URL,
  },
});
