import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { startService, stopService } from '../support/services';
import { appTasks } from './fresh-app';
import { appEnv, packageE2EEnv } from './package-env';
import { freePort } from '../../scripts/redis-server';

/**
 * `celerity start -A ./tasks.ts` in the installed TypeScript app, as a
 * developer runs it: a managed Redis of its own (data in the app), the console
 * and one worker on the app's tasks; Ctrl-C stops all three.
 */
test('celerity start (the installed bin): managed Redis, console and worker on the app’s tasks; Ctrl-C stops all three', async () => {
  test.setTimeout(120_000);
  const { apps, logDir } = packageE2EEnv();
  const app = apps.ts;
  const logFile = path.join(logDir, 'ts-start.log');
  const env = appEnv(app, '', { PORT: String(await freePort()), CELERITY_DATA_DIR: path.join(app.dir, '.celerity-start') });
  // No REDIS_URL: start runs its own Redis.
  delete env.REDIS_URL;
  const { service, match } = await startService({
    name: 'ts start',
    // The installed bin itself (what npx runs): npm exec, in between, dies of the SIGINT at once
    // instead of waiting for the command, which would hide the command's own exit.
    command: path.join(app.dir, 'node_modules', '.bin', 'celerity'),
    args: ['start', '-A', './tasks.ts'],
    cwd: app.dir,
    env,
    logFile,
    ready: /^Celerity is running: (http:\/\/\S+) {2}\(Redis: redis:\/\/127\.0\.0\.1:\d+, worker: 1\)/,
    timeoutMs: 90_000,
  });
  try {
    // The console reads the catalogue the worker publishes to the managed Redis.
    await expect
      .poll(async () => ((await (await fetch(`${match[1]}/api/v1/tasks`)).json()) as { tasks: { name: string }[] }).tasks.map((t) => t.name).sort(), {
        timeout: 30_000,
      })
      .toEqual([appTasks('ts').crunch, appTasks('ts').sum].sort());
    // Ctrl-C in a terminal: SIGINT to the foreground process group.
    process.kill(-service.proc.pid!, 'SIGINT');
    await service.exited;
    expect(service.proc.exitCode).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toMatch(/Stopped the console, the worker and the managed Redis \(its data stays in /);
  } finally {
    await stopService(service, 10_000);
  }
});
