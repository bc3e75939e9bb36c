import { test, expect } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { bull, seedCompleted, uniqueQueue, type Bull } from './support/queues-seed';
import { jobState } from './support/page';

let b: Bull;
// '%' in a name: any double decoding of the URL would break it.
const ODD = uniqueQueue('100% ünï 日本');
test.beforeAll(async () => {
  b = bull();
  await seedCompleted(b, ODD, 'id %2F/ü', 'report', '{"ok":true}');
});
test.afterAll(async () => {
  await b.close();
});

test('an unknown queue or job shows a 404 page inside the console, with a way back', async ({ page }) => {
  const res = await page.goto('/queues/no-such-queue');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.getByRole('link', { name: 'All queues' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Queues', exact: true })).toBeVisible();

  const job = await page.goto('/queues/default/jobs/no-such-job');
  expect(job?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
});

test('the API answers 404 JSON for unknown queues and jobs, 400 for a bad page, and the last page past the end', async ({ request }) => {
  const q = await request.get('/api/v1/queues/no-such-queue');
  expect(q.status()).toBe(404);
  expect(await q.json()).toEqual({ error: { code: 'not_found', message: 'Queue "no-such-queue" not found' } });
  const j = await request.get('/api/v1/queues/default/jobs/no-such-job');
  expect(j.status()).toBe(404);
  expect(((await j.json()) as { error: { code: string } }).error.code).toBe('not_found');
  // BullMQ refuses ':' in queue names, so such a queue cannot exist.
  expect((await request.get('/api/v1/queues/a%3Ab')).status()).toBe(404);

  await runTaskViaApi(request, 'hello');
  for (const page of ['-1', '0', 'abc', '1.5']) {
    const res = await request.get(`/api/v1/queues/default/jobs?state=completed&page=${page}`);
    expect(res.status(), page).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('page');
  }
  const past = await request.get('/api/v1/queues/default/jobs?state=completed&page=100000&pageSize=10');
  expect(past.status()).toBe(200);
  const body = (await past.json()) as { page: number; total: number; jobs: unknown[] };
  expect(body.page).toBe(Math.max(1, Math.ceil(body.total / 10)));
  expect(body.jobs.length).toBeGreaterThan(0);
  expect((await request.get('/api/v1/queues/default/jobs/x/logs?page=-1')).status()).toBe(400);
  expect((await request.get('/api/v1/queues/default/jobs/x/download?part=nope')).status()).toBe(400);
});

test('queue and job names with spaces, % and unicode work end to end', async ({ page, request }) => {
  const api = await request.get(`/api/v1/queues/${encodeURIComponent(ODD)}`);
  expect(api.status()).toBe(200);
  expect(((await api.json()) as { name: string }).name).toBe(ODD);

  await page.goto('/queues');
  await page.getByRole('link', { name: ODD, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Queue ${ODD}` })).toBeVisible();
  await expect(page).toHaveTitle(`Queue ${ODD} · Celerity`);
  await page
    .getByRole('navigation', { name: 'Job states' })
    .getByRole('link', { name: /^Completed/ })
    .click();
  await page.getByRole('link', { name: 'id %2F/ü', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'report · job id %2F/ü' })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page).toHaveTitle('Job id %2F/ü · Celerity');
  // "Jump to job" with the same id.
  await page.getByRole('link', { name: ODD, exact: true }).click();
  await page.getByRole('textbox', { name: 'Job id' }).fill('id %2F/ü');
  await page.getByRole('button', { name: 'Open job' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'report · job id %2F/ü' })).toBeVisible();
});
