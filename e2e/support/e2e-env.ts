/**
 * How the global setup hands its services to the tests: environment variables
 * set in the runner process, which Playwright's test workers inherit (they are
 * spawned after the global setup ran). Names are our own, so nothing here can
 * be mistaken for the console's REDIS_URL / CELERITY_PREFIX.
 */
export const E2E_VARS = {
  baseURL: 'CELERITY_E2E_BASE_URL',
  redisUrl: 'CELERITY_E2E_REDIS_URL',
  prefix: 'CELERITY_E2E_PREFIX',
  logDir: 'CELERITY_E2E_LOG_DIR',
} as const;

export interface E2EEnv {
  baseURL: string;
  redisUrl: string;
  prefix: string;
  logDir: string;
}

/** The services of this run; throws when the global setup did not run. */
export function e2eEnv(): E2EEnv {
  const out = {} as E2EEnv;
  for (const [key, name] of Object.entries(E2E_VARS) as [keyof E2EEnv, string][]) {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run the specs through \`npx playwright test\` (e2e/global-setup.ts starts the services)`);
    out[key] = v;
  }
  return out;
}
