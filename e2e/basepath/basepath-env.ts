/** The base path this suite serves the console under, and the build made for it. */
export const BASE_PATH = '/admin/jobs';
export const BASEPATH_DIST_DIR = '.next-basepath';

/**
 * What e2e/basepath/global-setup.ts hands to the specs (environment variables
 * of the runner, inherited by the test workers).
 */
export const BASEPATH_E2E_VARS = {
  /** `http://127.0.0.1:<port>` of the open console (no path: the specs add BASE_PATH, or leave it out on purpose). */
  origin: 'CELERITY_E2E_BASEPATH_ORIGIN',
  /** The same for the console with accounts. */
  authOrigin: 'CELERITY_E2E_BASEPATH_AUTH_ORIGIN',
  adminPassword: 'CELERITY_E2E_BASEPATH_ADMIN_PASSWORD',
} as const;

export const ADMIN_USER = 'alice';

export function basepathEnv(): Record<keyof typeof BASEPATH_E2E_VARS, string> {
  const out = {} as Record<keyof typeof BASEPATH_E2E_VARS, string>;
  for (const [key, name] of Object.entries(BASEPATH_E2E_VARS) as [keyof typeof BASEPATH_E2E_VARS, string][]) {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run these specs with \`npx playwright test -c playwright.basepath.config.ts\``);
    out[key] = v;
  }
  return out;
}
