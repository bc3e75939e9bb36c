import { test, expect, type Page } from '@playwright/test';
import { bull, seedFailed, uniqueQueue, type Bull } from './support/queues-seed';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';

// A queue name with a space and non-ASCII letters: URLs must carry it encoded, decoded once.
const QUEUE = uniqueQueue('e2e pages ü');
let b: Bull;

test.beforeAll(async () => {
  b = bull();
  await seedFailed(b, QUEUE, 250, { idPrefix: 'job-', name: 'add', reason: 'Seeded failure' });
  // A plain BullMQ worker for this queue: a retried job really runs (and completes) here.
  await b.worker(QUEUE, async (job) => (job.data as { a: number; b: number }).a + (job.data as { a: number; b: number }).b);
});

test.afterAll(async () => {
  await b.close();
});

const tab = (page: Page, label: string) => page.getByRole('navigation', { name: 'Job states' }).getByRole('link', { name: new RegExp(`^${label} \\(`) });

test('250 failed jobs: page 3 of 25 per page shows the right jobs', async ({ page }) => {
  await page.goto(`/queues/${encodeURIComponent(QUEUE)}?state=failed&size=25&page=3`);
  await expect(page.getByRole('heading', { level: 1, name: `Queue ${QUEUE}` })).toBeVisible();
  await expect(tab(page, 'Failed')).toHaveText('Failed (250)');
  await expect(tab(page, 'Failed')).toHaveAttribute('aria-current', 'page');
  const table = page.getByRole('table', { name: /^Failed jobs in .*page 3 of 10$/ });
  // Newest first: page 1 holds jobs 250–226, page 2 225–201, page 3 200–176.
  const expected = Array.from({ length: 25 }, (_, i) => `job-${200 - i}`);
  await expect(table.getByRole('row')).toHaveCount(26);
  for (const [i, id] of expected.entries()) {
    const row = table.getByRole('row').nth(i + 1);
    await expect(row.getByRole('link', { name: id, exact: true })).toBeVisible();
    await expect(row.getByRole('cell', { name: `Seeded failure ${200 - i}`, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('navigation', { name: 'Pagination' })).toContainText('Page 3 of 10');

  // The next page link keeps state and size in the URL, and a page past the end gives the last page.
  await page.getByRole('navigation', { name: 'Pagination' }).getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/[?&]page=4\b/);
  await expect(page.getByRole('table', { name: /page 4 of 10$/ }).getByRole('link', { name: 'job-175', exact: true })).toBeVisible();
  await page.goto(`/queues/${encodeURIComponent(QUEUE)}?state=failed&size=25&page=99`);
  await expect(page.getByRole('table', { name: /page 10 of 10$/ }).getByRole('row')).toHaveCount(26);
  await expect(page.getByRole('link', { name: 'job-1', exact: true })).toBeVisible();
});

test('retrying one failed job completes it, and the queue page counts change live', async ({ page, context }) => {
  // A second tab watches the queue's counts.
  const watcher = await context.newPage();
  await watcher.goto(`/queues/${encodeURIComponent(QUEUE)}?state=completed`);
  await expect(watcher.getByRole('note')).toHaveText(/No completed jobs/);
  await expectLive(watcher);
  await expect(tab(watcher, 'Delayed')).toHaveText('Delayed (0)');
  await markDocument(watcher);
  // Prove the console follows this (new) queue's events before acting: a delayed job shows up live.
  await b.queue(QUEUE).add('marker', {}, { delay: 3_600_000 });
  await expect(tab(watcher, 'Delayed')).toHaveText('Delayed (1)');
  await expect(tab(watcher, 'Failed')).toHaveText('Failed (250)');
  await expect(tab(watcher, 'Completed')).toHaveText('Completed (0)');

  await page.goto(`/queues/${encodeURIComponent(QUEUE)}?state=failed&size=25&page=3`);
  await page.getByRole('link', { name: 'job-190', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'add · job job-190' })).toBeVisible();
  await expect(jobState(page)).toHaveText('Failed');
  await expectLive(page);
  await page.getByRole('region', { name: 'Job actions' }).getByRole('button', { name: 'Retry', exact: true }).click();
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*1190$/);

  await expect(tab(watcher, 'Failed')).toHaveText('Failed (249)');
  await expect(tab(watcher, 'Completed')).toHaveText('Completed (1)');
  await expectSameDocument(watcher);
  // The watcher's completed table was refreshed in place: it lists job-190 now.
  await expect(watcher.getByRole('table', { name: /^Completed jobs in / }).getByRole('link', { name: 'job-190', exact: true })).toBeVisible();
  await watcher.close();
});
