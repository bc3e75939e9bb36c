import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { freePort, startRedisServer, type RunningRedis } from '../../lib/redis-server';
import { hashPassword } from '../../lib/auth/password';
import { buildIfStale, distDir, isBuildStale } from '../../scripts/build-if-stale';
import { killNow, startService, stopService, tail, type Service } from '../support/services';
import { ADMIN_USER, AUTH_E2E_VARS, VIEWER_USER } from './auth-env';

/**
 * The security suite's own services, private to the run: the production build
 * (NEXT_DIST_DIR, rebuilt only when stale — shared with the main suite), a
 * redis-server on a free port, a console WITH accounts (CELERITY_USERS: an
 * admin and a viewer with random passwords) and one worker, under a fresh
 * prefix. Logs go to test-results-auth/services/.
 */
interface Services {
  dir: string;
  redis?: RunningRedis;
  services: Service[];
}

const key = '__celerityAuthE2EServices';
type Holder = { [key]?: Services };

export async function stopAuthServices(): Promise<void> {
  const s = (globalThis as Holder)[key];
  if (!s) return;
  const byName = (n: string) => s.services.filter((x) => x.name === n);
  await Promise.all(byName('worker').map((x) => stopService(x, 10_000)));
  await Promise.all(byName('console').map((x) => stopService(x, 10_000)));
  await s.redis?.stop().catch(() => {});
  rmSync(s.dir, { recursive: true, force: true });
  delete (globalThis as Holder)[key];
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const logDir = path.join(root, 'test-results-auth', 'services');
  mkdirSync(logDir, { recursive: true });

  if (process.env.CELERITY_E2E_SKIP_BUILD === '1' && existsSync(path.join(root, distDir(), 'BUILD_ID'))) {
    if (isBuildStale(root)) console.warn('[e2e:auth] CELERITY_E2E_SKIP_BUILD=1: testing the existing, stale build in ' + distDir());
  } else {
    await buildIfStale(root);
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-auth-'));
  const state: Services = { dir, services: [] };
  (globalThis as Holder)[key] = state;
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
    state.redis = await startRedisServer({ port: await freePort(), dir: path.join(dir, 'redis'), appendonly: false, logfile: path.join(logDir, 'redis.log') });
    const adminPassword = randomBytes(12).toString('base64url');
    const viewerPassword = randomBytes(12).toString('base64url');
    const users = [`${ADMIN_USER}:admin:${await hashPassword(adminPassword)}`, `${VIEWER_USER}:viewer:${await hashPassword(viewerPassword)}`].join(',');
    const prefix = `e2ea${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && k !== 'REDIS_URL'));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: state.redis.url,
      CELERITY_PREFIX: prefix,
      CELERITY_USERS: users,
      CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
      NEXT_TELEMETRY_DISABLED: '1',
    };
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const [c, w] = await Promise.allSettled([
      startService({ name: 'console', command: tsx, args: ['server.ts'], cwd: root, env, logFile: path.join(logDir, 'console.log'), ready: /^CELERITY_READY (http:\/\/\S+)\s*$/, timeoutMs: 60_000 }),
      startService({ name: 'worker', command: tsx, args: ['worker/main.ts'], cwd: root, env, logFile: path.join(logDir, 'worker.log'), ready: /\[worker\] worker ready\b/, timeoutMs: 60_000 }),
    ]);
    for (const r of [c, w]) if (r.status === 'fulfilled') state.services.push(r.value.service);
    if (c.status === 'rejected') throw c.reason;
    if (w.status === 'rejected') throw w.reason;

    process.env[AUTH_E2E_VARS.baseURL] = c.value.match[1]!;
    process.env[AUTH_E2E_VARS.redisUrl] = state.redis.url;
    process.env[AUTH_E2E_VARS.prefix] = prefix;
    process.env[AUTH_E2E_VARS.adminPassword] = adminPassword;
    process.env[AUTH_E2E_VARS.viewerPassword] = viewerPassword;
    console.log(`[e2e:auth] console ${c.value.match[1]} (accounts: ${ADMIN_USER} admin, ${VIEWER_USER} viewer) · redis ${state.redis.url} · prefix ${prefix}`);
  } catch (err) {
    for (const f of ['console.log', 'worker.log', 'redis.log']) console.error(`\n----- ${f} (last lines) -----\n${tail(path.join(logDir, f))}`);
    await stopAuthServices();
    throw err;
  }
}
