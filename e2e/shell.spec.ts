import { test, expect } from '@playwright/test';
import { liveWorkerIds, runTaskViaApi } from './support/api';
import { expectLive, expectSameDocument, markDocument } from './support/page';

const pages = [
  { link: 'Dashboard', heading: 'Dashboard', path: /\/$/ },
  { link: 'Tasks', heading: 'Tasks', path: /\/tasks$/ },
  { link: 'Schedules', heading: 'Schedules', path: /\/schedules$/ },
  { link: 'Queues', heading: 'Queues', path: /\/queues$/ },
  { link: 'Workers', heading: 'Workers', path: /\/workers$/ },
];

test('the main navigation opens every page with its heading, and the connection is live', async ({ page }) => {
  await page.goto('/');
  await expectLive(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  // Go through them in reverse so every click changes the page (Dashboard last).
  for (const p of [...pages].reverse()) {
    await nav.getByRole('link', { name: p.link, exact: true }).click();
    await expect(page).toHaveURL(p.path);
    await expect(page.getByRole('heading', { level: 1, name: p.heading, exact: true })).toBeVisible();
    await expect(nav.getByRole('link', { name: p.link, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Live');
  }
});

test('the Workers page lists the running worker', async ({ page, request }) => {
  const ids = await liveWorkerIds(request);
  expect(ids).toHaveLength(1);
  await page.goto('/workers');
  const table = page.getByRole('table', { name: 'Live workers' });
  await expect(table.getByRole('row').filter({ hasText: ids[0]! })).toBeVisible();
  // Header row + exactly one worker.
  await expect(table.getByRole('row')).toHaveCount(2);
});

test('the Queues page lists the default queue', async ({ page, request }) => {
  // Make sure the queue exists whatever ran before.
  await runTaskViaApi(request, 'hello');
  await page.goto('/queues');
  const table = page.getByRole('table', { name: 'Queues and their job counts' });
  await expect(table.getByRole('link', { name: 'default', exact: true })).toBeVisible();
  await table.getByRole('link', { name: 'default', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Queue default' })).toBeVisible();
});

test('the dashboard counts rise live when a job is enqueued through the API', async ({ page, request }) => {
  await page.goto('/');
  await expectLive(page);
  const completed = page
    .getByRole('region', { name: 'Jobs by state, all queues' })
    .getByRole('group', { name: 'Completed jobs', exact: true })
    .getByRole('definition');
  await expect(completed).toHaveText(/^\d+$/);
  const before = Number(await completed.textContent());
  await markDocument(page);

  await runTaskViaApi(request, 'hello');
  await expect.poll(async () => Number(await completed.textContent())).toBeGreaterThan(before);
  await expectSameDocument(page);
});
