/**
 * What e2e/auth/global-setup.ts hands to the specs (environment variables of
 * the runner, inherited by the test workers).
 */
export const AUTH_E2E_VARS = {
  baseURL: 'CELERITY_E2E_AUTH_BASE_URL',
  redisUrl: 'CELERITY_E2E_AUTH_REDIS_URL',
  prefix: 'CELERITY_E2E_AUTH_PREFIX',
  adminPassword: 'CELERITY_E2E_AUTH_ADMIN_PASSWORD',
  viewerPassword: 'CELERITY_E2E_AUTH_VIEWER_PASSWORD',
} as const;

export interface AuthE2EEnv {
  baseURL: string;
  redisUrl: string;
  prefix: string;
  adminPassword: string;
  viewerPassword: string;
}

export const ADMIN_USER = 'alice';
export const VIEWER_USER = 'bob';

export function authEnv(): AuthE2EEnv {
  const out = {} as AuthE2EEnv;
  for (const [key, name] of Object.entries(AUTH_E2E_VARS) as [keyof AuthE2EEnv, string][]) {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run these specs with \`npx playwright test -c playwright.auth.config.ts\``);
    out[key] = v;
  }
  return out;
}
