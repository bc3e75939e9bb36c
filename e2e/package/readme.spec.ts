import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { test, expect } from '@playwright/test';
import { stopService, type Service } from '../support/services';
import { appEnv, packageE2EEnv } from './package-env';
import { startAppWorker } from './package-stack';

/**
 * The README's "Add Celerity to your app", as written: its tasks module
 * (src/tasks.ts, with a code schedule) run by `npx celerity worker -A ./src/tasks.ts`,
 * and its enqueue script (src/enqueue.ts) run the way its first line says,
 * in the installed TypeScript app (fresh-app.ts writes the README's blocks there).
 */
test('the README quick start: its worker command runs its tasks module, its script enqueues and prints the result', async () => {
  const { apps, redisUrl, logDir } = packageE2EEnv();
  // A prefix of its own: the README's task is named `add`, its schedule `add-every-minute`.
  const env = appEnv({ dir: apps.ts.dir, prefix: `${apps.ts.prefix}readme` }, redisUrl);
  let worker: Service | undefined;
  try {
    worker = await startAppWorker(apps.ts, './src/tasks.ts', env, path.join(logDir, 'readme-worker.log'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/enqueue.ts'], { cwd: apps.ts.dir, env, encoding: 'utf8', timeout: 45_000 });
    expect(run.status, run.stderr).toBe(0);
    // console.log colours a number when the runner forces colour: the text is what counts.
    expect(stripVTControlCharacters(run.stdout).trim()).toBe('5');
  } finally {
    if (worker) await stopService(worker, 10_000);
  }
});
