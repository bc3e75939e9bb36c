import { defineConfig } from '@playwright/test';
import { nextDistDir } from './lib/env';
import { CHROMIUM_LAUNCH } from './e2e/support/chromium';

/**
 * End-to-end specs against a real console, worker and Redis started by
 * e2e/global-setup.ts (private Redis on a free port, random prefix).
 *
 * One worker, in order: this machine has 2 cores and every spec shares the one
 * console and worker. No retries: a spec that needs one is a bug to fix.
 */
export default defineConfig({
  testDir: 'e2e',
  // Suites with consoles of their own: e2e/auth/ (accounts, playwright.auth.config.ts), e2e/basepath/
  // (under CELERITY_BASE_PATH, playwright.basepath.config.ts), e2e/package/ (the packed package, playwright.package.config.ts),
  // e2e/cluster/ (on a Redis Cluster, playwright.cluster.config.ts).
  testIgnore: ['auth/**', 'basepath/**', 'package/**', 'cluster/**'],
  // Keyed on the build directory so parallel runs (each with its own NEXT_DIST_DIR) never delete each other's traces.
  outputDir: nextDistDir() === '.next' ? 'test-results' : `test-results/${nextDistDir().replace(/^\.+/, '')}`,
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    viewport: { width: 1280, height: 800 },
    // Set by the global setup before the test workers start (they inherit the runner's environment).
    baseURL: process.env.CELERITY_E2E_BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: CHROMIUM_LAUNCH,
  },
});
