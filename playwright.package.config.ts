import { defineConfig } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './e2e/support/chromium';

/**
 * The `celerity` package as a user gets it (issue 13): e2e/package/global-setup.ts
 * packs this repository, installs the tarball into a fresh TypeScript app and a
 * fresh JavaScript app, and runs `npx celerity worker` and `npx celerity console`
 * in each against a private Redis. `npm run test:e2e:package`.
 *
 * One worker, in order: the specs share the apps' processes, and this machine
 * has 2 cores. The base-path spec builds the console once (minutes): it has its own timeout.
 */
export default defineConfig({
  testDir: 'e2e/package',
  outputDir: 'test-results/package',
  globalSetup: './e2e/package/global-setup.ts',
  globalTeardown: './e2e/package/global-teardown.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: CHROMIUM_LAUNCH,
  },
});
