import { test, expect, type Page } from '@playwright/test';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { authEnv } from './auth-env';
import { expectLive, jobState } from '../support/page';
import { apiAs, csrf, signIn } from './support';

/**
 * Hostile data everywhere it can come from — task names and descriptions
 * (the catalogue), argument names, queue names, job names, arguments, results,
 * log lines, progress, error messages and stacks, schedule names and
 * descriptions, worker heartbeats, token names, audit entries — rendered on
 * every page that shows it. Each payload would set `window.__xss`; on every
 * page the flag must stay unset, no element may carry an inline event handler,
 * no link may point at `javascript:`, and the `<img src=x>` must never be requested.
 */

const IMG = `<img src=x onerror="window.__xss=1">`;
const SCRIPT = `<script>window.__xss=1</script>`;
const SVG = `<svg/onload=window.__xss=1>`;
const JS = `javascript:window.__xss=1`;
const ALL = `${IMG}${SCRIPT}${SVG} ${JS}`;

/** No slash in path-segment names (a queue name cannot hold ":"); the rest of the payloads go in the data. */
const QUEUE = `xq${IMG}`;
const TASK = `${JS}<b onmouseover=window.__xss=1>t`;
const SCHEDULE = `s${IMG}`;
const TOKEN = `tok${IMG}`;
const JOB_OK = `ok${SCRIPT}`;
const JOB_FAIL = `fail${IMG}`;

const enc = encodeURIComponent;

let redis: Redis;
let worker: Worker;
const jobs: { ok?: string; fail?: string } = {};
/** The hostile token's id, revoked after the tests: a second run of beforeAll (after a failure) must be able to create it again. */
let tokenId: string | undefined;

/** Everything the payloads could have done, checked on the current page. */
async function expectInert(page: Page, where: string): Promise<void> {
  // Let late content (live updates, lazy images) arrive.
  await page.waitForLoadState('networkidle').catch(() => {});
  const found = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      flag: (window as unknown as { __xss?: unknown }).__xss,
      handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
      jsLinks: [...document.querySelectorAll('a[href], area[href], form[action], iframe[src]')]
        .map((el) => el.getAttribute('href') ?? el.getAttribute('action') ?? el.getAttribute('src') ?? '')
        .filter((h) => /^\s*javascript:/i.test(h) && h.includes('__xss')),
      images: document.querySelectorAll('img[src="x"], svg[onload]').length,
    };
  });
  expect(found, where).toEqual({ flag: undefined, handlers: [], jsLinks: [], images: 0 });
}

test.beforeAll(async () => {
  const e = authEnv();
  redis = new Redis(e.redisUrl, { maxRetriesPerRequest: null });
  // A catalogue entry as a worker on another host would publish it: hostile name, description, argument name and help.
  const entry = {
    name: TASK,
    description: ALL,
    queue: QUEUE,
    argsSchema: { type: 'object', properties: { [IMG]: { type: 'string', description: ALL, default: JS } }, additionalProperties: false },
    defaults: {},
    publishedAt: Date.now(),
    publishedBy: `worker${SCRIPT}`,
  };
  await redis.hset(`${e.prefix}:__celerity:tasks`, TASK, JSON.stringify(entry));
  await redis.sadd(`${e.prefix}:__celerity:queues`, QUEUE);
  // A heartbeat as a hostile worker would write it.
  const id = `w${IMG}`;
  const now = Date.now();
  const hb = {
    id,
    host: `h${SCRIPT}`,
    pid: 1,
    queues: [QUEUE],
    tasks: [TASK],
    concurrency: 1,
    running: [{ queue: QUEUE, jobId: `r${IMG}`, task: TASK, startedAt: now, progress: ALL }],
    processed: 1,
    failed: 1,
    startedAt: now,
    lastSeen: now,
    version: ALL,
    state: 'running',
    ttlMs: 600_000,
  };
  await redis.set(`${e.prefix}:__celerity:worker:${id}`, JSON.stringify(hb), 'PX', 600_000);
  await redis.zadd(`${e.prefix}:__celerity:workers`, now, id);

  // Jobs of a plain BullMQ producer, run by a worker in this test.
  worker = new Worker(
    QUEUE,
    async (job: Job) => {
      await job.log(ALL);
      await job.updateProgress({ note: ALL });
      if (job.name === JOB_FAIL) throw new Error(ALL);
      return { html: ALL, link: JS, [IMG]: SCRIPT };
    },
    { connection: redis.duplicate(), prefix: e.prefix },
  );
  const queue = new Queue(QUEUE, { connection: redis.duplicate(), prefix: e.prefix });
  const ok = await queue.add(JOB_OK, { [IMG]: ALL, href: JS });
  const fail = await queue.add(JOB_FAIL, { message: ALL }, { attempts: 1 });
  jobs.ok = ok.id;
  jobs.fail = fail.id;
  await expect.poll(async () => [await ok.getState(), await fail.getState()].join(), { timeout: 15_000 }).toBe('completed,failed');
  await queue.close();

  // Through the API as an admin: a schedule and a token with hostile names, and audit entries with hostile targets.
  const admin = await apiAs('admin');
  const h = await csrf(admin);
  const schedule = await admin.post('/api/v1/schedules', {
    headers: h,
    data: { name: SCHEDULE, description: ALL, task: TASK, args: { [IMG]: ALL }, trigger: { type: 'interval', every: 1, unit: 'days' }, enabled: false },
  });
  expect(schedule.status(), await schedule.text()).toBe(201);
  const token = await admin.post('/api/v1/tokens', { headers: h, data: { name: TOKEN, scope: 'read' } });
  expect(token.status(), await token.text()).toBe(201);
  tokenId = ((await token.json()) as { record: { id: string } }).record.id;
  expect((await admin.post(`/api/v1/queues/${enc(QUEUE)}/${enc(`x${SCRIPT}`)}`, { headers: h, data: {} })).status()).toBe(404);
  await admin.dispose();
});

test.afterAll(async () => {
  await worker?.close();
  const admin = await apiAs('admin');
  await admin.delete(`/api/v1/schedules/${enc(SCHEDULE)}`, { headers: await csrf(admin) });
  if (tokenId) await admin.delete(`/api/v1/tokens/${enc(tokenId)}`, { headers: await csrf(admin) });
  await admin.dispose();
  await redis?.quit();
});

test('hostile names and data are shown as text on every page', async ({ page }) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  await signIn(page, 'admin');

  const pages: { path: string; shows?: string | string[] }[] = [
    // The dashboard: the queue table, and the latest failures with the failed job's name and error.
    { path: '/', shows: [QUEUE, JOB_FAIL, ALL] },
    { path: '/tasks', shows: TASK },
    { path: `/tasks/${enc(TASK)}`, shows: IMG },
    { path: '/queues', shows: QUEUE },
    { path: `/queues/${enc(QUEUE)}?state=completed`, shows: JOB_OK },
    { path: `/queues/${enc(QUEUE)}?state=failed`, shows: JOB_FAIL },
    { path: `/queues/${enc(QUEUE)}/jobs/${jobs.ok}`, shows: JOB_OK },
    { path: `/queues/${enc(QUEUE)}/jobs/${jobs.fail}`, shows: JOB_FAIL },
    { path: '/schedules', shows: SCHEDULE },
    { path: `/schedules/${enc(SCHEDULE)}`, shows: SCHEDULE },
    { path: `/schedules/${enc(SCHEDULE)}/edit` },
    { path: `/schedules/new?from=${enc(SCHEDULE)}` },
    { path: '/workers', shows: `h${SCRIPT}` },
    { path: '/results', shows: JOB_OK },
    { path: `/results?q=${enc('window.__xss')}` },
    { path: '/audit', shows: QUEUE },
    { path: '/settings/tokens', shows: TOKEN },
    { path: `/login?next=${enc(JS)}` },
  ];
  for (const p of pages) {
    const res = await page.goto(p.path);
    expect(res?.status(), p.path).toBeLessThan(400);
    for (const text of [p.shows ?? []].flat())
      await expect(page.getByText(text, { exact: false }).first(), `${p.path} shows the hostile text as text`).toBeVisible();
    await expectInert(page, p.path);
  }

  // The job page's expandable parts (log, result, error) too.
  await page.goto(`/queues/${enc(QUEUE)}/jobs/${jobs.fail}`);
  for (const b of await page.getByRole('button', { name: /show|expand|more|log/i }).all()) await b.click().catch(() => {});
  await expectInert(page, 'failed job, expanded');
  await expect(page.getByText(ALL, { exact: false }).first()).toBeVisible();

  // The <img src=x> would have requested …/x.
  expect(requested.filter((u) => /\/x(\?|$)/.test(new URL(u).pathname + new URL(u).search))).toEqual([]);
});

test('live updates carrying hostile data render as text on pages already open (job, queue, dashboard)', async ({ page, context }) => {
  const e = authEnv();
  // Its own queue and jobs, so it stands alone: nothing is runnable until the pages are open.
  const LIVE_QUEUE = `lq${IMG}`;
  const LIVE_OK = `live-ok${SCRIPT}`;
  const LIVE_FAIL = `live-fail${IMG}`;
  const marks = { args: `args:${SCRIPT}`, log: `log:${ALL}`, progress: `progress:${SCRIPT}`, result: `result:${SCRIPT}`, error: `error:${ALL}` };
  await redis.sadd(`${e.prefix}:__celerity:queues`, LIVE_QUEUE);
  const queue = new Queue(LIVE_QUEUE, { connection: redis.duplicate(), prefix: e.prefix });
  const ok = await queue.add(LIVE_OK, { [IMG]: marks.args, href: JS });
  const fail = await queue.add(LIVE_FAIL, { [IMG]: marks.args, href: JS }, { attempts: 1 });

  const requested: string[] = [];
  context.on('request', (r) => requested.push(r.url()));
  context.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  await signIn(page, 'admin');
  const open = async (path: string) => {
    const p = await context.newPage();
    await p.goto(path);
    await expectLive(p);
    return p;
  };
  const okPage = await open(`/queues/${enc(LIVE_QUEUE)}/jobs/${ok.id}`);
  const failPage = await open(`/queues/${enc(LIVE_QUEUE)}/jobs/${fail.id}`);
  const queuePage = await open(`/queues/${enc(LIVE_QUEUE)}?state=failed`);
  const dashboard = await open('/');
  for (const p of [okPage, failPage]) await expect(jobState(p)).toHaveText('Waiting');
  await expect(queuePage.getByRole('table', { name: /^Failed jobs in/ })).toHaveCount(0);

  // The jobs report progress until the test lets them finish: the console discovers a new queue
  // within seconds and reads its events from then on, so a report is bound to arrive live.
  const release = new Set<string>();
  const liveWorker = new Worker(
    LIVE_QUEUE,
    async (job: Job) => {
      await job.log(marks.log);
      while (!release.has(job.id!)) {
        await job.updateProgress({ note: marks.progress, [IMG]: SVG });
        await new Promise((r) => setTimeout(r, 250));
      }
      if (job.name === LIVE_FAIL) throw new Error(marks.error);
      return { html: marks.result, link: JS, [IMG]: SCRIPT };
    },
    { connection: redis.duplicate(), prefix: e.prefix, concurrency: 2 },
  );
  try {
    for (const p of [okPage, failPage]) {
      await expect(jobState(p)).toHaveText('Active', { timeout: 20_000 });
      await expect(p.getByRole('list', { name: 'Log lines' })).toContainText(marks.log);
      await expect(p.getByRole('region', { name: 'Progress data' })).toContainText(marks.progress);
      await expect(p.getByText(marks.args, { exact: false }).first()).toBeVisible();
    }
    const active = dashboard.getByRole('table', { name: 'Active jobs' });
    await expect(active).toContainText(`${LIVE_OK} #${ok.id}`);
    await expect(active).toContainText(`${LIVE_FAIL} #${fail.id}`);
    await expect(active).toContainText(marks.progress);

    release.add(ok.id!);
    release.add(fail.id!);
    await expect(jobState(okPage)).toHaveText('Completed');
    await expect(okPage.getByText(marks.result, { exact: false }).first()).toBeVisible();
    await expect(jobState(failPage)).toHaveText('Failed');
    await expect(failPage.getByRole('alert', { name: 'Error message' })).toHaveText(marks.error);
    const failedRow = queuePage
      .getByRole('table', { name: /^Failed jobs in/ })
      .getByRole('row')
      .filter({ hasText: LIVE_FAIL });
    await expect(failedRow).toContainText(marks.error);
    const failures = dashboard.getByRole('table', { name: 'Latest failures' });
    await expect(failures).toContainText(`${LIVE_FAIL} #${fail.id}`);
    await expect(failures).toContainText(marks.error);

    for (const [p, where] of [
      [okPage, 'job page, completed live'],
      [failPage, 'job page, failed live'],
      [queuePage, 'queue page, refreshed live'],
      [dashboard, 'dashboard, live'],
    ] as const) {
      await expectInert(p, where);
    }
    expect(requested.filter((u) => /\/x(\?|$)/.test(new URL(u).pathname + new URL(u).search))).toEqual([]);
  } finally {
    await liveWorker.close();
    await queue.close();
  }
});

test('control: the detector sees a payload that runs; on the console, the CSP stops it even if one got into the page', async ({ page }) => {
  // Without this, a broken payload (or a browser that ignores it) would make the test above pass for nothing.
  await page.setContent('<!doctype html><main></main>');
  await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), IMG);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBe(1);
  const failed = await expectInert(page, 'control').then(
    () => false,
    () => true,
  );
  expect(failed).toBe(true);

  // Defence in depth: the console's Content-Security-Policy refuses inline handlers and scripts without its nonce.
  const res = await page.goto('/login');
  expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  const blocked = page.waitForEvent('console', (m) => /Content Security Policy/i.test(m.text()));
  await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), IMG + `<script>window.__xss=1</script>`);
  await blocked;
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
});
