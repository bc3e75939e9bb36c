import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test, expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { e2eEnv } from './support/e2e-env';
import { bull, type Bull } from './support/queues-seed';
import { liveWorkerIds } from './support/api';
import { expectLive, expectSameDocument, markDocument } from './support/page';
import { startService, stopService, type Service } from './support/services';
import { DEMO_WORKER } from '../scripts/demo-worker';

/**
 * The workers page, live: the run's worker; a second worker process started
 * here appears without a reload; it is paused, resized, resumed and shut
 * down from the page, each acknowledged by the worker. A third one killed
 * with SIGKILL shows up as lost with the job it held.
 *
 * Pause is proved deterministically: the second worker alone serves a queue
 * of its own (`--queues`; the job names are the demo tasks', which any worker
 * runs), so jobs added there while it is paused can only wait. They are
 * checked after three of its heartbeats (every 500 ms), then run on resume.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const started: Service[] = [];
let b: Bull | undefined;

interface WorkerJson {
  id: string;
  host: string;
  state: string;
  processed: number;
  concurrency: number;
  lastSeen: number;
  running: { jobId: string }[];
}

async function workerByHost(request: APIRequestContext, host: string): Promise<WorkerJson | undefined> {
  const res = await request.get('/api/v1/workers');
  return ((await res.json()) as { alive: WorkerJson[] }).alive.find((w) => w.host === host);
}

/** The demo worker (`node --import tsx cli/celerity.ts worker -A …`) with the run's Redis and prefix (the real exit code, no tsx wrapper). */
async function startWorkerProcess(host: string, queue: string): Promise<Service> {
  const { redisUrl, prefix, logDir } = e2eEnv();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && k !== 'REDIS_URL'));
  const { service } = await startService({
    name: `worker-${host}`,
    command: process.execPath,
    args: ['--import', 'tsx', ...DEMO_WORKER, '--hostname', host, '--queues', queue, '--concurrency', '2'],
    cwd: ROOT,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      REDIS_URL: redisUrl,
      CELERITY_PREFIX: prefix,
      CELERITY_HEARTBEAT_MS: '500',
      CELERITY_SHUTDOWN_TIMEOUT_MS: '5000',
    },
    logFile: path.join(logDir, `worker-${host}.log`),
    ready: /\[worker\] worker ready\b/,
    timeoutMs: 60_000,
  });
  started.push(service);
  return service;
}

function workerRow(page: Page, host: string): Locator {
  return page
    .getByRole('table', { name: 'Live workers' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: host, exact: true }) });
}

/** A column of a worker's row, by header name. */
async function cellOf(row: Locator, page: Page, header: string): Promise<Locator> {
  const headers = await page.getByRole('table', { name: 'Live workers' }).getByRole('columnheader').allTextContents();
  const i = headers.findIndex((h) => h.trim().toLowerCase() === header.toLowerCase());
  expect(i, `column ${header} in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.getByRole('cell').nth(i);
}

test.afterAll(async () => {
  // SIGTERM: a worker still running shuts down cleanly (its heartbeat cleared), so later specs see one worker.
  await Promise.all(started.map((s) => stopService(s, 10_000)));
  await b?.close();
});

test('workers page: a second worker appears live; pause, concurrency, resume and shutdown from the page, acknowledged', async ({ page, request }) => {
  test.setTimeout(120_000);
  b = bull();
  const [mainId] = await liveWorkerIds(request);
  await page.goto('/workers');
  await expectLive(page);
  await markDocument(page);
  const table = page.getByRole('table', { name: 'Live workers' });
  await expect(table.getByRole('row').filter({ hasText: mainId! })).toBeVisible();

  const solo = `e2e-solo-${randomBytes(3).toString('hex')}`;
  const second = await startWorkerProcess('e2e-second', solo);
  const row = workerRow(page, 'e2e-second');
  await expect(row).toBeVisible();
  await expect(row.getByLabel('State')).toHaveText('running');
  await expect(await cellOf(row, page, 'Queues')).toHaveText(solo);
  // As started (--concurrency 2), before the page changes it.
  await expect(await cellOf(row, page, 'Concurrency')).toHaveText('2');
  // The address Redis sees the worker by (its connection's local end): loopback, as the e2e Redis is on this machine.
  await expect(await cellOf(row, page, 'Address')).toHaveText('127.0.0.1');
  const result = page.getByRole('status', { name: 'Worker control result' });

  // Pause: the worker acknowledges, the page shows it paused.
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(result).toHaveText(/acknowledged pause in \d+ ms: paused/);
  await expect(row.getByLabel('State')).toHaveText('paused');
  const processedAtPause = (await workerByHost(request, 'e2e-second'))!.processed;
  const q = b.queue(solo);
  await q.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'add', data: { a: i, b: 2 } })));
  // Three heartbeats later: still paused, nothing taken, the jobs wait.
  let seen = (await workerByHost(request, 'e2e-second'))!.lastSeen;
  for (let i = 0; i < 3; i++) {
    await expect.poll(async () => (await workerByHost(request, 'e2e-second'))!.lastSeen).toBeGreaterThan(seen);
    seen = (await workerByHost(request, 'e2e-second'))!.lastSeen;
  }
  const paused = (await workerByHost(request, 'e2e-second'))!;
  expect(paused).toMatchObject({ state: 'paused', processed: processedAtPause, running: [] });
  expect(await q.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 3, active: 0, completed: 0 });
  await expect(await cellOf(row, page, 'Processed')).toHaveText(String(processedAtPause));

  // Concurrency: acknowledged, shown.
  const concurrency = row.getByRole('spinbutton', { name: 'Concurrency' });
  await concurrency.fill('4');
  await row.getByRole('button', { name: 'Set' }).click();
  await expect(result).toHaveText(/acknowledged concurrency in \d+ ms: concurrency changed \(state paused, concurrency 4\)/);
  await expect(await cellOf(row, page, 'Concurrency')).toHaveText('4');

  // Resume: the waiting jobs run, the processed count rises live.
  await row.getByRole('button', { name: 'Resume' }).click();
  await expect(result).toHaveText(/acknowledged resume in \d+ ms: resumed/);
  await expect(row.getByLabel('State')).toHaveText('running');
  await expect.poll(async () => (await q.getJobCounts('completed')).completed).toBe(3);
  await expect(await cellOf(row, page, 'Processed')).toHaveText(String(processedAtPause + 3));

  // Shutdown: confirmed, acknowledged; the process exits with 0 and the worker is gone (not lost).
  await row.getByRole('button', { name: 'Shut down…' }).click();
  await row.getByRole('button', { name: 'Confirm shutdown' }).click();
  await expect(result).toHaveText(/acknowledged shutdown in \d+ ms: shutting down/);
  await second.exited;
  expect(second.proc.exitCode).toBe(0);
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('table', { name: /^Lost workers/ }).getByRole('cell', { name: 'e2e-second' })).toHaveCount(0);
  await expect(table.getByRole('row').filter({ hasText: mainId! })).toBeVisible();
  await expectSameDocument(page);
  await q.obliterate({ force: true });
});

test('a worker killed without a clean shutdown is shown lost, with the job it held', async ({ page, request }) => {
  test.setTimeout(120_000);
  b ??= bull();
  const solo = `e2e-doomed-${randomBytes(3).toString('hex')}`;
  const doomed = await startWorkerProcess('e2e-doomed', solo);
  const q = b.queue(solo);
  const job = await q.add('sleep', { ms: 60_000 });
  await expect.poll(async () => (await workerByHost(request, 'e2e-doomed'))?.running.map((r) => r.jobId) ?? []).toEqual([job.id]);
  await page.goto('/workers');
  await expectLive(page);
  await expect(workerRow(page, 'e2e-doomed')).toBeVisible();

  process.kill(doomed.proc.pid!, 'SIGKILL');
  await doomed.exited;
  // Its heartbeat expires (3 × 500 ms): it moves to the lost table, with the job it was running.
  const lost = page
    .getByRole('table', { name: /^Lost workers/ })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: 'e2e-doomed', exact: true }) });
  await expect(lost).toBeVisible({ timeout: 20_000 });
  await expect(lost.getByRole('link', { name: `sleep #${job.id}` })).toBeVisible();
  await expect(lost.getByRole('cell', { name: '127.0.0.1', exact: true })).toBeVisible();
  await expect(workerRow(page, 'e2e-doomed')).toHaveCount(0);
  await q.obliterate({ force: true });
});
