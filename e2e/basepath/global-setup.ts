import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { hashPassword } from '../../lib/auth/password';
import { buildBasePathMismatch } from '../../lib/next-build-base-path';
import { keepStack, serviceEnv, startConsoleService, startStack } from '../support/stack';
import { freePort } from '../../scripts/redis-server';
import { ADMIN_USER, BASE_PATH, BASEPATH_DIST_DIR, BASEPATH_E2E_VARS } from './basepath-env';

/**
 * The base-path suite's services (e2e/support/stack.ts, built into
 * .next-basepath for /admin/jobs): an open console with one worker, and a
 * second console with an account on the same Redis, both under BASE_PATH.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  // A build for another base path (the constant changed) would be refused by the console: make it again.
  if (buildBasePathMismatch(root, BASEPATH_DIST_DIR, BASE_PATH)) rmSync(path.join(root, BASEPATH_DIST_DIR, 'BUILD_ID'), { force: true });
  const logDir = path.join(root, 'test-results', 'basepath-services');
  const started = await startStack({ root, logDir, label: `[e2e:basepath ${BASE_PATH}]`, prefixStem: 'e2eb', env: { CELERITY_BASE_PATH: BASE_PATH } });
  keepStack('basepath', started.stack);

  const adminPassword = randomBytes(12).toString('base64url');
  const withAccounts = await startConsoleService({
    root,
    // "console": stopStack stops every service of that name.
    name: 'console',
    env: serviceEnv({
      redisUrl: started.redisUrl,
      prefix: started.prefix,
      port: await freePort(),
      dataDir: path.join(started.stack.dir, 'data-auth'),
      extra: { CELERITY_BASE_PATH: BASE_PATH, CELERITY_USERS: `${ADMIN_USER}:admin:${await hashPassword(adminPassword)}` },
    }),
    logFile: path.join(logDir, 'console-auth.log'),
  });
  started.stack.services.push(withAccounts.service);

  process.env[BASEPATH_E2E_VARS.origin] = new URL(started.baseURL).origin;
  process.env[BASEPATH_E2E_VARS.authOrigin] = new URL(withAccounts.baseURL).origin;
  process.env[BASEPATH_E2E_VARS.adminPassword] = adminPassword;
}
