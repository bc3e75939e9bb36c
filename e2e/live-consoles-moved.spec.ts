import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { freePort } from '../scripts/redis-server';
import { e2eEnv } from './support/e2e-env';
import { bull, uniqueQueue, type Bull } from './support/queues-seed';
import { expectLive, expectSameDocument, markDocument } from './support/page';
import { serviceEnv, startRestartableConsole, type RestartableConsole } from './support/stack';

/**
 * Several consoles, no load balancer: a dashboard open on console A keeps
 * showing live data after A stops — the page moves by itself to another
 * console of the deployment (which A told it about while connected) and goes
 * on updating there. A and B are private consoles on the run's Redis and
 * prefix; the run's own console is a third one the page may move to.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
let dir: string | undefined;
const consoles: RestartableConsole[] = [];
let b: Bull | undefined;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const { redisUrl, prefix, logDir } = e2eEnv();
  dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-consoles-'));
  for (const name of ['console-a', 'console-b']) {
    consoles.push(
      await startRestartableConsole({
        root: ROOT,
        name,
        env: serviceEnv({ redisUrl, prefix, port: await freePort(), dataDir: path.join(dir, name) }),
        logFile: path.join(logDir, `${name}.log`),
      }),
    );
  }
});

test.afterAll(async () => {
  for (const c of consoles) await c.stop();
  await b?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The dashboard's "Waiting jobs" tile, as a number. */
async function waiting(page: Page): Promise<number> {
  const tile = page
    .getByRole('region', { name: 'Jobs by state, all queues' })
    .getByRole('group', { name: 'Waiting jobs', exact: true })
    .getByRole('definition');
  return Number(await tile.textContent());
}

test('a dashboard on console A goes on showing live data after A stops: it moves to another console by itself', async ({ browser }) => {
  test.setTimeout(120_000);
  const [a] = consoles as [RestartableConsole, RestartableConsole];
  b = bull();
  // A queue without a worker: its jobs stay waiting, so the tile's rise is this test's own.
  const queue = b.queue(uniqueQueue('e2e-moved'));
  const context = await browser.newContext({ baseURL: a.baseURL });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await expectLive(page);
    const before = await waiting(page);
    await queue.add('noop', {});
    await expect.poll(() => waiting(page)).toBe(before + 1);

    await a.stop();
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Reconnecting to console…');
    // After about 30 s without its console, the page loads the same path on another console.
    await expect.poll(() => new URL(page.url()).origin, { timeout: 60_000 }).not.toBe(new URL(a.baseURL).origin);
    expect(new URL(page.url()).pathname).toBe('/');
    await expectLive(page);
    await markDocument(page);

    // Live again, from the other console: the next job shows up without a reload.
    await queue.add('noop', {});
    await expect.poll(() => waiting(page)).toBe(before + 2);
    await expectSameDocument(page);
  } finally {
    await context.close();
    await queue.obliterate({ force: true });
  }
});
