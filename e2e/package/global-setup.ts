import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { freePort, startRedisServer, type RunningRedis } from '../../scripts/redis-server';
import { killNow, tail, type Service } from '../support/services';
import { appFiles, writeApp, type AppLang } from './fresh-app';
import { appEnv, PACKAGE_E2E_VAR, TARBALL_VAR, type PackageE2EEnv, type RunningApp } from './package-env';
import { installTarball, packInto, startAppConsole, startAppWorker, stopServices } from './package-stack';

/**
 * The package suite's world, private to the run: `npm pack` of this
 * repository, two fresh applications (TypeScript, JavaScript ESM) in a temp
 * dir with the tarball installed, one redis-server on a free port, and in each
 * app `npx celerity worker -A ./tasks.<ts|js>` and `npx celerity console`
 * under a prefix of its own. Started once for every spec; global-teardown.ts stops it.
 */
interface PackageWorld {
  dir: string;
  redis?: RunningRedis;
  services: Service[];
}

const kept = ((globalThis as { __celerityPackageE2E?: PackageWorld[] }).__celerityPackageE2E ??= []);

/** Stop what the set-up started (nothing if it never ran) and remove the temp dir. */
export async function stopPackageWorld(): Promise<void> {
  for (const world of kept.splice(0)) {
    await stopServices(world.services);
    await world.redis?.stop().catch(() => {});
    rmSync(world.dir, { recursive: true, force: true });
  }
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export default async function globalSetup(config: FullConfig): Promise<void> {
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const logDir = path.join(root, 'test-results', 'package-services');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const world: PackageWorld = { dir: mkdtempSync(path.join(os.tmpdir(), 'celerity-package-e2e-')), services: [] };
  kept.push(world);
  // If the runner dies without its teardown, leave no process behind.
  process.once('exit', () => {
    killNow(world.services);
    if (world.redis?.pid && world.redis.child.exitCode === null) world.redis.child.kill('SIGKILL');
  });

  try {
    let t = Date.now();
    const tarball = process.env[TARBALL_VAR] || (await packInto(root, path.join(world.dir, 'pack'), path.join(logDir, 'pack.log')));
    console.log(`[e2e:package] ${process.env[TARBALL_VAR] ? 'given' : 'packed'} ${tarball} (${seconds(t)})`);

    t = Date.now();
    const langs: AppLang[] = ['ts', 'js'];
    const dirs = Object.fromEntries(langs.map((lang) => [lang, path.join(world.dir, `${lang}-app`)])) as Record<AppLang, string>;
    for (const lang of langs) writeApp(lang, dirs[lang], root);
    // Both at once: mostly waiting on the file system.
    await Promise.all(langs.map((lang) => installTarball(dirs[lang], tarball, path.join(logDir, `install-${lang}.log`))));
    console.log(`[e2e:package] installed into ${langs.map((l) => dirs[l]).join(', ')} (${seconds(t)})`);

    t = Date.now();
    world.redis = await startRedisServer({
      port: await freePort(),
      dir: path.join(world.dir, 'redis'),
      appendonly: false,
      logfile: path.join(logDir, 'redis.log'),
    });
    const redisUrl = world.redis.url;
    const apps = {} as Record<AppLang, RunningApp>;
    // Every service at once: they only meet in Redis.
    const started = await Promise.allSettled(
      langs.flatMap((lang) => {
        const app: RunningApp = { lang, dir: dirs[lang], prefix: `pkg${lang}${randomBytes(4).toString('hex')}`, baseURL: '' };
        apps[lang] = app;
        const env = appEnv(app, redisUrl);
        return [
          startAppWorker(app, appFiles(lang).tasksFile, env, path.join(logDir, `${lang}-worker.log`)).then((service) => ({ service })),
          freePort()
            .then((port) => startAppConsole(app, port, env, path.join(logDir, `${lang}-console.log`)))
            .then(({ service, url }) => {
              app.baseURL = url;
              return { service };
            }),
        ];
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') world.services.push(r.value.service);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    console.log(`[e2e:package] workers and consoles ready (${seconds(t)}): ${langs.map((l) => `${l} ${apps[l].baseURL}`).join(', ')}`);

    const handed: PackageE2EEnv = { redisUrl, logDir, tarball, apps };
    process.env[PACKAGE_E2E_VAR] = JSON.stringify(handed);
  } catch (err) {
    for (const f of ['ts-worker.log', 'ts-console.log', 'js-worker.log', 'js-console.log']) {
      console.error(`\n----- ${f} (last lines) -----\n${tail(path.join(logDir, f), 30)}`);
    }
    await stopPackageWorld();
    throw err;
  }
}
