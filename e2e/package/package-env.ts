import type { AppLang } from './fresh-app';

/**
 * What the package suite's global setup hands to the specs: one JSON variable
 * in the runner's environment (Playwright's test workers inherit it).
 */
export const PACKAGE_E2E_VAR = 'CELERITY_PACKAGE_E2E';

/**
 * A tarball to test instead of packing one (`CELERITY_PACKAGE_E2E_TARBALL=/path/celerity-x.tgz`):
 * for working on the suite itself, or testing a tarball made elsewhere.
 */
export const TARBALL_VAR = 'CELERITY_PACKAGE_E2E_TARBALL';

/** An installed app with its worker and console running. */
export interface RunningApp {
  lang: AppLang;
  /** The app's directory (its package.json, tasks, enqueue script, node_modules/celerity). */
  dir: string;
  /** Its CELERITY_PREFIX: the worker, the console and the enqueue script share it. */
  prefix: string;
  /** The console's URL (`celerity console`, no base path). */
  baseURL: string;
}

export interface PackageE2EEnv {
  redisUrl: string;
  /** The services' logs. */
  logDir: string;
  tarball: string;
  apps: Record<AppLang, RunningApp>;
}

export function packageE2EEnv(): PackageE2EEnv {
  const raw = process.env[PACKAGE_E2E_VAR];
  if (!raw) throw new Error(`${PACKAGE_E2E_VAR} is not set: run the specs with \`npx playwright test -c playwright.package.config.ts\``);
  return JSON.parse(raw) as PackageE2EEnv;
}

/** The environment of a process run in an app: its Redis and prefix, none of the developer's CELERITY_* settings. */
export function appEnv(app: Pick<RunningApp, 'dir' | 'prefix'>, redisUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && !['REDIS_URL', 'NEXT_DIST_DIR', 'NODE_ENV', 'PORT', 'HOST'].includes(k)),
  );
  return {
    ...inherited,
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    CELERITY_PREFIX: app.prefix,
    CELERITY_DATA_DIR: `${app.dir}/.celerity`,
    // A stuck job must not hold the teardown for the default 30 s.
    CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extra,
  };
}
