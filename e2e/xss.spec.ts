import { test, expect, type Page } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { jobState } from './support/page';

const message = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;

/** Neither payload ran, and no element was made of it (so no onerror can still fire later). */
async function expectInert(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(await page.evaluate(() => document.querySelectorAll('img, main script').length)).toBe(0);
}

test('task data is shown as text, never run as HTML', async ({ page, request }) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const job = await runTaskViaApi(request, 'fail', { message });

  await page.goto(`/queues/${job.queue}/jobs/${job.id}`);
  await expect(jobState(page)).toHaveText('Failed');
  await expect(page.getByRole('alert', { name: 'Error message' })).toHaveText(message);
  await expect(page.getByLabel('Stack trace')).toContainText(`Error: ${message}`);
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText(JSON.stringify(message));
  await expectInert(page);

  await page.goto(`/queues/${job.queue}?state=failed`);
  await expect(page.getByRole('heading', { level: 1, name: `Queue ${job.queue}` })).toBeVisible();
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: job.id, exact: true }) });
  await expect(row).toBeVisible();
  await expect(row.getByRole('cell', { name: JSON.stringify({ message }) })).toBeVisible();
  await expectInert(page);

  // The <img src=x> would have requested …/x.
  expect(requested.filter((u) => /\/x(\?|$)/.test(u))).toEqual([]);
});
