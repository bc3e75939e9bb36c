import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { freePort } from '../scripts/redis-server';
import { e2eEnv } from './support/e2e-env';
import { bull, uniqueQueue, type Bull } from './support/queues-seed';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';
import { serviceEnv, startRestartableConsole, type RestartableConsole } from './support/stack';

/**
 * A job page stays right across a console restart: while the console is
 * down the page says so, the job finishes unseen (no live event can reach
 * the page), and once the console is back on the same port the page
 * re-reads the job by itself, without a reload.
 *
 * The console is a private one (the run's Redis and prefix, its own port), so
 * stopping it leaves the run's shared console alone. The job is held by a
 * BullMQ worker in this process that finishes it only when told, so "still
 * running while the console goes down" and "finished while it is down" are
 * facts, not timing.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
let dir: string | undefined;
let consoleProc: RestartableConsole | undefined;
let b: Bull | undefined;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const { redisUrl, prefix, logDir } = e2eEnv();
  dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-reconnect-'));
  consoleProc = await startRestartableConsole({
    root: ROOT,
    name: 'reconnect-console',
    env: serviceEnv({ redisUrl, prefix, port: await freePort(), dataDir: path.join(dir, 'data') }),
    logFile: path.join(logDir, 'reconnect-console.log'),
  });
});

test.afterAll(async () => {
  await consoleProc?.stop();
  await b?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('job page: a console restart is shown, and the job that finished meanwhile shows Completed with its result, without a reload', async ({ browser }) => {
  test.setTimeout(120_000);
  const c = consoleProc!;
  b = bull();
  const queueName = uniqueQueue('e2e-reconnect');
  const queue = b.queue(queueName);

  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  let finish!: () => void;
  const finishAllowed = new Promise<void>((resolve) => (finish = resolve));
  await b.worker(queueName, async (job) => {
    await job.updateProgress(30);
    await job.log('first half done');
    markRunning();
    await finishAllowed;
    await job.updateProgress(100);
    await job.log('second half done while the console was down');
    return { rows: 42 };
  });
  const job = await queue.add('report', { durationMs: 10_000, steps: 2 });
  await running;

  const context = await browser.newContext({ baseURL: c.baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`/queues/${encodeURIComponent(queueName)}/jobs/${encodeURIComponent(job.id!)}`);
    await expectLive(page);
    await markDocument(page);
    const connection = page.getByRole('status', { name: 'Connection' });
    const bar = page.getByRole('progressbar', { name: 'Job progress' });
    const logLines = page.getByRole('list', { name: 'Log lines' });
    await expect(jobState(page)).toHaveText('Active');
    await expect(bar).toHaveAttribute('aria-valuenow', '30');

    // The console goes away: the page says it lost it and is trying again.
    await c.stop();
    await expect(connection).toHaveText('Reconnecting to console…');

    // The job finishes while nobody can tell the page.
    finish();
    await expect.poll(async () => queue.getJobState(job.id!)).toBe('completed');
    await expect(jobState(page)).toHaveText('Active');
    await expect(connection).toHaveText('Reconnecting to console…');

    // The console is back at the same address: the page reconnects and re-reads the job.
    await c.start();
    await expect(connection).toHaveText('Live', { timeout: 20_000 });
    await expect(jobState(page)).toHaveText('Completed');
    await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*\{\s*"rows":\s*42\s*\}$/);
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    await expect(logLines.getByRole('listitem')).toHaveText(['first half done', 'second half done while the console was down']);
    expect(page.url()).toBe(`${c.baseURL}/queues/${encodeURIComponent(queueName)}/jobs/${encodeURIComponent(job.id!)}`);
    await expectSameDocument(page);
  } finally {
    await context.close();
    await queue.obliterate({ force: true });
  }
});
