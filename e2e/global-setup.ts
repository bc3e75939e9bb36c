import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { E2E_VARS } from './support/e2e-env';
import { keepStack, startStack } from './support/stack';

/**
 * The main suite's services (e2e/support/stack.ts): an open console (no
 * accounts) and one worker; global-teardown.ts stops them.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const logDir = path.join(root, 'test-results', 'e2e-services');
  const started = await startStack({ root, logDir, label: '[e2e]', prefixStem: 'e2e' });
  keepStack('main', started.stack);
  process.env[E2E_VARS.baseURL] = started.baseURL;
  process.env[E2E_VARS.redisUrl] = started.redisUrl;
  process.env[E2E_VARS.prefix] = started.prefix;
  process.env[E2E_VARS.logDir] = logDir;
}
