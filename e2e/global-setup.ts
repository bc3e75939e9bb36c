import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { freePort, startRedisServer, type RunningRedis } from '../lib/redis-server';
import { buildIfStale, distDir, isBuildStale } from '../scripts/build-if-stale';
import { E2E_VARS } from './support/e2e-env';
import { killNow, startService, stopService, tail, type Service } from './support/services';

/**
 * Everything the specs run against, private to this run:
 *   (a) a production build of the console (rebuilt only when sources changed),
 *   (b) a redis-server on a free port in a temp dir,
 *   (c) the console (`tsx server.ts`, NODE_ENV=production) on a free port,
 *   (d) one worker (`tsx worker/main.ts`),
 * all under a fresh random prefix. Output goes to test-results/e2e-services/.
 * global-teardown.ts stops them; the handles live on globalThis because both
 * hooks run in Playwright's runner process.
 */
export interface E2EServices {
  dir: string;
  logDir: string;
  redis?: RunningRedis;
  services: Service[];
}

const key = '__celerityE2EServices';
type Holder = { [key]?: E2EServices };

export function currentServices(): E2EServices | undefined {
  return (globalThis as Holder)[key];
}

/** Stop worker first (it drains), then the console, then Redis; remove the temp dir. */
export async function stopServices(s: E2EServices): Promise<void> {
  const byName = (n: string) => s.services.filter((x) => x.name === n);
  // Worker: its own shutdown waits up to CELERITY_SHUTDOWN_TIMEOUT_MS for running jobs.
  await Promise.all(byName('worker').map((x) => stopService(x, 10_000)));
  await Promise.all(byName('console').map((x) => stopService(x, 10_000)));
  await s.redis?.stop().catch(() => {});
  rmSync(s.dir, { recursive: true, force: true });
  delete (globalThis as Holder)[key];
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const logDir = path.join(root, 'test-results', 'e2e-services');
  mkdirSync(logDir, { recursive: true });

  const t0 = Date.now();
  if (process.env.CELERITY_E2E_SKIP_BUILD === '1' && existsSync(path.join(root, distDir(), 'BUILD_ID'))) {
    // While others edit the sources, a build may fail on their half-done work: test the last good one.
    if (isBuildStale(root)) console.warn('[e2e] CELERITY_E2E_SKIP_BUILD=1: testing the existing, stale build in ' + distDir());
  } else {
    await buildIfStale(root);
  }
  const tBuild = Date.now();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-'));
  const state: E2EServices = { dir, logDir, services: [] };
  (globalThis as Holder)[key] = state;
  // If the runner dies without running the teardown, do not leave processes behind.
  process.once('exit', () => {
    killNow(state.services);
    const r = state.redis?.child;
    if (r?.pid && r.exitCode === null && r.signalCode === null) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  try {
    state.redis = await startRedisServer({
      port: await freePort(),
      dir: path.join(dir, 'redis'),
      appendonly: false,
      logfile: path.join(logDir, 'redis.log'),
    });

    const prefix = `e2e${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    // The shell's own CELERITY_* / REDIS_URL (a developer's settings) must not leak into the run.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && k !== 'REDIS_URL'));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: state.redis.url,
      CELERITY_PREFIX: prefix,
      CELERITY_CONCURRENCY: '5',
      // A stuck job must not hold the teardown for the default 30 s.
      CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
      CELERITY_DATA_DIR: path.join(dir, 'data'),
      NEXT_TELEMETRY_DISABLED: '1',
    };
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    // Console and worker only meet in Redis: start both at once (each needs a few seconds of tsx + Next start-up).
    const [consoleStarted, workerStarted] = await Promise.allSettled([
      startService({
        name: 'console',
        command: tsx,
        args: ['server.ts'],
        cwd: root,
        env,
        logFile: path.join(logDir, 'console.log'),
        ready: /^CELERITY_READY (http:\/\/\S+)\s*$/,
        timeoutMs: 60_000,
      }),
      startService({
        name: 'worker',
        command: tsx,
        args: ['worker/main.ts'],
        cwd: root,
        env,
        logFile: path.join(logDir, 'worker.log'),
        ready: /\[worker\] worker ready\b/,
        timeoutMs: 60_000,
      }),
    ]);
    for (const r of [consoleStarted, workerStarted]) if (r.status === 'fulfilled') state.services.push(r.value.service);
    if (consoleStarted.status === 'rejected') throw consoleStarted.reason;
    if (workerStarted.status === 'rejected') throw workerStarted.reason;

    process.env[E2E_VARS.baseURL] = consoleStarted.value.match[1]!;
    process.env[E2E_VARS.redisUrl] = state.redis.url;
    process.env[E2E_VARS.prefix] = prefix;
    process.env[E2E_VARS.logDir] = logDir;
    console.log(
      `[e2e] console ${consoleStarted.value.match[1]} · redis ${state.redis.url} · prefix ${prefix} · ` +
        `build check ${((tBuild - t0) / 1000).toFixed(1)} s, start ${((Date.now() - tBuild) / 1000).toFixed(1)} s · logs ${path.relative(root, logDir)}/`,
    );
  } catch (err) {
    for (const f of ['console.log', 'worker.log', 'redis.log']) {
      console.error(`\n----- ${f} (last lines) -----\n${tail(path.join(logDir, f))}`);
    }
    await stopServices(state);
    throw err;
  }
}
