import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test, expect, type Browser, type Locator, type Page } from '@playwright/test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type RunningRedis } from '../scripts/redis-server';
import { e2eEnv } from './support/e2e-env';
import { startService, stopService, type Service } from './support/services';
import { DEMO_WORKER } from '../scripts/demo-worker';

/**
 * Its own Redis (with AOF, so a restart keeps the data), TWO consoles and a
 * worker with another host name, on free ports: restarting Redis must not
 * disturb the run's shared services. Both consoles show the same live data;
 * during the outage both pages say so; afterwards they recover by themselves,
 * with the right counts.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

interface Fixture {
  dir: string;
  port: number;
  redis?: RunningRedis;
  consoles: { service: Service; url: string }[];
  worker?: Service;
  prefix: string;
}

let fx: Fixture | undefined;

async function startRedis(f: Fixture): Promise<RunningRedis> {
  return startRedisServer({ port: f.port, dir: path.join(f.dir, 'redis'), appendonly: true, logfile: path.join(e2eEnv().logDir, 'restart-redis.log') });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-e2e-restart-'));
  const f: Fixture = { dir, port: await freePort(), consoles: [], prefix: `rs${randomBytes(3).toString('hex')}` };
  fx = f;
  f.redis = await startRedis(f);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELERITY_') && k !== 'REDIS_URL'));
  const base: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    REDIS_URL: f.redis.url,
    CELERITY_PREFIX: f.prefix,
    CELERITY_DATA_DIR: path.join(dir, 'data'),
    CELERITY_SHUTDOWN_TIMEOUT_MS: '3000',
    CELERITY_HEARTBEAT_MS: '1000',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  const logDir = e2eEnv().logDir;
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const [a, b, w] = await Promise.all([
    ...[1, 2].map(async (n) => {
      const { service, match } = await startService({
        name: `restart-console-${n}`,
        command: tsx,
        args: ['server.ts'],
        cwd: ROOT,
        env: { ...base, PORT: String(await freePort()) },
        logFile: path.join(logDir, `restart-console-${n}.log`),
        ready: /^CELERITY_READY (http:\/\/\S+)\s*$/,
        timeoutMs: 60_000,
      });
      return { service, url: match[1]! };
    }),
    startService({
      name: 'restart-worker',
      command: tsx,
      args: [...DEMO_WORKER, '--hostname', 'e2e-other-host'],
      cwd: ROOT,
      env: base,
      logFile: path.join(logDir, 'restart-worker.log'),
      ready: /\[worker\] worker ready\b/,
      timeoutMs: 60_000,
    }).then((r) => ({ service: r.service, url: '' })),
  ]);
  f.consoles.push(a!, b!);
  f.worker = w!.service;
});

test.afterAll(async () => {
  const f = fx;
  if (!f) return;
  if (f.worker) await stopService(f.worker, 10_000);
  await Promise.all(f.consoles.map((c) => stopService(c.service, 10_000)));
  await f.redis?.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

function completedTile(page: Page): Locator {
  return page.getByRole('region', { name: 'Jobs by state, all queues' }).getByRole('group', { name: 'Completed jobs', exact: true }).getByRole('definition');
}

async function openDashboard(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext({ baseURL: url })).newPage();
  await page.goto('/');
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Live');
  return page;
}

test('two consoles show the same live data and a worker of another host; a Redis restart is shown, then both recover with the right counts', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const f = fx!;
  const pages = await Promise.all(f.consoles.map((c) => openDashboard(browser, c.url)));

  // The worker started with another host name is on both consoles' workers pages, live.
  for (const p of pages) {
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workers', exact: true }).click();
    await expect(p.getByRole('table', { name: 'Live workers' }).getByRole('cell', { name: 'e2e-other-host', exact: true })).toBeVisible();
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await expect(completedTile(p)).toHaveText(/^\d+$/);
  }

  const redis = new Redis(f.redis!.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const queue = new Queue('default', { connection: redis, prefix: f.prefix });
  try {
    const realCompleted = async () => (await queue.getJobCounts('completed')).completed;
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } })));
    await expect.poll(realCompleted).toBe(10);
    // Both consoles show the same count, pushed live.
    for (const p of pages) await expect(completedTile(p)).toHaveText('10');

    // Redis goes away: both pages say so.
    await f.redis!.stop();
    for (const p of pages) await expect(p.getByRole('status', { name: 'Connection' })).toHaveText('Redis unavailable', { timeout: 15_000 });

    // Redis comes back (same port, same data): both recover by themselves…
    f.redis = await startRedis(f);
    for (const p of pages) await expect(p.getByRole('status', { name: 'Connection' })).toHaveText('Live', { timeout: 20_000 });
    for (const p of pages) await expect(completedTile(p)).toHaveText('10');
    // …and stay live: new work shows up on both with the exact count.
    await queue.addBulk(Array.from({ length: 15 }, (_, i) => ({ name: 'add', data: { a: i, b: 2 } })));
    await expect.poll(realCompleted, { timeout: 30_000 }).toBe(25);
    for (const p of pages) await expect(completedTile(p)).toHaveText('25', { timeout: 15_000 });
  } finally {
    await queue.close();
    redis.disconnect();
    for (const p of pages) await p.context().close();
  }
});
