import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { hashPassword } from '../../lib/auth/password';
import { keepStack, startStack } from '../support/stack';
import { ADMIN_USER, AUTH_E2E_VARS, VIEWER_USER } from './auth-env';

/**
 * The security suite's services (e2e/support/stack.ts): a console WITH
 * accounts (CELERITY_USERS: an admin and a viewer with random passwords) and
 * one worker; global-teardown.ts stops them. Logs go to test-results-auth/services/.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const adminPassword = randomBytes(12).toString('base64url');
  const viewerPassword = randomBytes(12).toString('base64url');
  const users = [`${ADMIN_USER}:admin:${await hashPassword(adminPassword)}`, `${VIEWER_USER}:viewer:${await hashPassword(viewerPassword)}`].join(',');
  const started = await startStack({
    root,
    logDir: path.join(root, 'test-results-auth', 'services'),
    label: `[e2e:auth] (accounts: ${ADMIN_USER} admin, ${VIEWER_USER} viewer)`,
    prefixStem: 'e2ea',
    // CELERITY_TRUST_PROXY: access.spec.ts plays an HTTPS proxy (X-Forwarded-Proto) to see the Secure cookie.
    env: { CELERITY_USERS: users, CELERITY_TRUST_PROXY: '1' },
  });
  keepStack('auth', started.stack);
  process.env[AUTH_E2E_VARS.baseURL] = started.baseURL;
  process.env[AUTH_E2E_VARS.redisUrl] = started.redisUrl;
  process.env[AUTH_E2E_VARS.prefix] = started.prefix;
  process.env[AUTH_E2E_VARS.adminPassword] = adminPassword;
  process.env[AUTH_E2E_VARS.viewerPassword] = viewerPassword;
}
