import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { freePort } from '../../scripts/redis-server';
import { stopService, tail, type Service } from '../support/services';
import { expectScriptJobsCompleted, expectScriptResults, expectTasksWithForms, runEnqueueScript, runSumFromForm, urlOf, type ConsoleAt } from './app-flow';
import { appEnv, packageE2EEnv } from './package-env';
import { startAppConsole } from './package-stack';

/**
 * The installed package's console under CELERITY_BASE_PATH=/admin/jobs (in the
 * TypeScript app, beside its worker): the first start builds the console for
 * that path once (minutes) and caches it in the app's data directory; a second start reuses
 * the build. The app's flows pass under the path, and nothing is served outside it.
 */
const BASE_PATH = '/admin/jobs';
// The one build, under a loaded machine: 2–4 min.
const FIRST_START_MS = 8 * 60_000;

test.describe.configure({ mode: 'serial' });

let service: Service | undefined;
let at: ConsoleAt;
let port: number;
const logOf = (n: number) => path.join(packageE2EEnv().logDir, `ts-console-base-path-${n}.log`);

async function start(n: number, timeoutMs: number): Promise<void> {
  const { apps, redisUrl } = packageE2EEnv();
  const started = await startAppConsole(apps.ts, port, appEnv(apps.ts, redisUrl, { CELERITY_BASE_PATH: BASE_PATH }), logOf(n), timeoutMs).catch(
    (err: Error) => {
      throw new Error(`${err.message}\n----- ${path.basename(logOf(n))} (last lines) -----\n${tail(logOf(n), 25)}`);
    },
  );
  service = started.service;
  at = { origin: new URL(started.url).origin, basePath: BASE_PATH };
}

test.beforeAll(async () => {
  test.setTimeout(FIRST_START_MS + 30_000);
  port = await freePort();
  await start(1, FIRST_START_MS);
});

test.afterAll(async () => {
  if (service) await stopService(service, 10_000);
});

test('the first start built the console for the path, once', () => {
  expect(readFileSync(logOf(1), 'utf8')).toContain(`Building the console for base path ${BASE_PATH}`);
});

test('nothing is served outside the base path, and the same things are under it', async ({ request }) => {
  for (const p of ['/api/v1/queues', '/socket.io/?EIO=4&transport=polling', '/metrics', '/tasks']) {
    const under = await request.get(urlOf(at, p));
    expect(under.status(), `${urlOf(at, p)}: ${await under.text()}`).toBe(200);
    const outside = await request.get(`${at.origin}${p}`);
    expect(outside.status(), `${p} outside the base path`).toBe(404);
  }
  expect((await request.get(`${at.origin}/`)).status()).toBe(404);
  expect((await request.get(urlOf(at, ''))).status()).toBe(200);
});

test('under the base path: the script enqueues, the tasks and forms are listed, a form run and the script jobs complete', async ({ page }) => {
  const { apps, redisUrl } = packageE2EEnv();
  const out = await runEnqueueScript(apps.ts, redisUrl);
  expectScriptResults(out);
  await expectTasksWithForms(page, at, 'ts');
  await runSumFromForm(page, at, 'ts');
  await expectScriptJobsCompleted(page, at, 'ts', out);
});

test('a second start reuses the build', async ({ request }) => {
  await stopService(service!, 10_000);
  service = undefined;
  await start(2, 60_000);
  expect(readFileSync(logOf(2), 'utf8')).not.toContain('Building the console');
  expect((await request.get(urlOf(at, '/api/v1/queues'))).status()).toBe(200);
});
