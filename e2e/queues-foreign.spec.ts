import { test, expect } from '@playwright/test';
import { bull, uniqueQueue, type Bull } from './support/queues-seed';
import { jobState } from './support/page';

// Made by a plain BullMQ producer: Celerity never created it and no Celerity task uses it.
const QUEUE = uniqueQueue('e2e foreign ✓');
let b: Bull;

test.beforeAll(async () => {
  b = bull();
  const q = b.queue(QUEUE);
  await q.addBulk([
    { name: 'resize', data: { image: 'a.png', html: '<img src=x onerror="window.__xss=1">' }, opts: { jobId: 'img a' } },
    { name: 'resize', data: { image: 'b.png' } },
    { name: 'resize', data: { image: 'c.png' } },
    { name: 'resize', data: { image: 'later.png' }, opts: { delay: 3_600_000 } },
    { name: 'urgent', data: {}, opts: { priority: 1 } },
  ]);
});
test.afterAll(async () => {
  await b.close();
});

test('a queue made by a plain BullMQ producer appears with correct counts, and its jobs open', async ({ page }) => {
  await page.goto('/queues');
  const table = page.getByRole('table', { name: 'Queues and their job counts' });
  const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: QUEUE, exact: true }) });
  // Queue, waiting, prioritized, active, delayed, waiting for children, completed, failed, workers, oldest waiting, status.
  await expect(row.getByRole('cell')).toHaveText([QUEUE, '3', '1', '0', '1', '0', '0', '0', '0', /^\d+ ms$|^\d+(\.\d+)? s$|^\d+ min \d+ s$/, 'Running']);

  await row.getByRole('link', { name: QUEUE, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Queue ${QUEUE}` })).toBeVisible();
  const states = page.getByRole('navigation', { name: 'Job states' });
  await expect(states.getByRole('link', { name: /^Waiting \(/ })).toHaveText('Waiting (3)');
  await expect(states.getByRole('link', { name: /^Prioritized \(/ })).toHaveText('Prioritized (1)');
  await expect(states.getByRole('link', { name: /^Delayed \(/ })).toHaveText('Delayed (1)');
  // No Celerity task uses it: retention is the producer's business, and jobs are added as raw JSON.
  await expect(page.getByRole('region', { name: 'Retention' })).toContainText('No Celerity task uses this queue');

  await page.getByRole('link', { name: 'img a', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'resize · job img a' })).toBeVisible();
  await expect(jobState(page)).toHaveText('Waiting');
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('"image": "a.png"');
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('<img src=x onerror=');
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  await expect(page.getByRole('list', { name: 'Timeline' })).toContainText('Waiting for a worker');

  // Add a raw job from the queue page.
  await page.getByRole('link', { name: QUEUE, exact: true }).click();
  await page.getByRole('button', { name: 'Add a raw job…' }).click();
  const form = page.getByRole('form', { name: 'Add a raw job' });
  await form.getByRole('textbox', { name: 'Job name' }).fill('resize');
  await form.getByRole('textbox', { name: 'Data (JSON)' }).fill('{"image": "new.png"}');
  await form.getByRole('button', { name: 'Add job' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^resize · job / })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('"image": "new.png"');
  expect(await b.queue(QUEUE).getWaitingCount()).toBe(4);
});
