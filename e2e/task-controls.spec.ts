import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';
import { expectAccessibleInBothSchemes } from './support/axe';

/**
 * Issue 16's acceptance: an admin lowers a task's rate limit on its page and
 * the queue page shows jobs waiting for it; raises it again and they run. The
 * demo task `api-call` (20/s in code, queue `api` of its own, so its counts
 * are only this spec's jobs). The queue and job pages follow live: they are
 * never reloaded after the change.
 */
const TASK = 'api-call';
const QUEUE = 'api';
const BURST = 6;

/** The task's rate limit override (the console's API as the task page's form sends it). */
async function setRateLimit(request: APIRequestContext, rateLimit: string): Promise<void> {
  const res = await request.put(`/api/v1/tasks/${TASK}/override`, { data: { rateLimit } });
  expect(res.status(), await res.text()).toBe(200);
}

test.afterEach(async ({ request }) => {
  // Back to the code's limits whatever happened.
  await request.delete(`/api/v1/tasks/${TASK}/override`);
});

const heldRegion = (page: Page) => page.getByRole('region', { name: 'Held back by a limit' });

test('an admin lowers a task’s rate limit: the queue page shows the jobs waiting for it; raised again, they run', async ({ page, context, request }) => {
  // 1 start a minute: after the first, every job of the burst waits for the limit.
  await setRateLimit(request, '1/m');
  for (let i = 0; i < BURST; i++) await runTaskViaApi(request, TASK, { endpoint: `/burst/${i}` });

  // The queue page: a summary of the held jobs, and each delayed row says why and until when.
  await page.goto(`/queues/${QUEUE}?state=delayed`);
  await expectLive(page);
  const held = heldRegion(page);
  await expect(held).toContainText(/\d+ jobs? waits? for their task’s limit/);
  await expect(held.getByRole('list', { name: 'Held jobs by task' })).toContainText(`${TASK}: rate limit`);
  const table = page.getByRole('table', { name: new RegExp(`^Delayed jobs in ${QUEUE}`) });
  const heldRows = table.getByRole('row').filter({ hasText: /Held: rate limit .*may run at \d\d:\d\d:\d\d/ });
  await expect(heldRows.first()).toBeVisible();
  // Not all ran: the limit holds them.
  await expect(page.getByRole('link', { name: `Completed (${BURST})` })).toHaveCount(0);
  // The colours follow prefers-color-scheme live: audited in both without reloading the page.
  await expectAccessibleInBothSchemes(page, () => expect(heldRows.first()).toBeVisible());
  await markDocument(page);

  // A held job's page says why it waits, with its time, in the notice and the timeline.
  const jobId = (await heldRows.first().getByRole('link').first().textContent())!;
  const jobPage = await context.newPage();
  await jobPage.goto(`/queues/${QUEUE}/jobs/${jobId}`);
  await expectLive(jobPage);
  await expect(jobState(jobPage)).toHaveText('Delayed');
  await expect(jobPage.getByRole('region', { name: 'Held back by a limit' })).toContainText(/Held back: rate limit.*May run at/s);
  await expect(jobPage.getByRole('list', { name: 'Timeline' })).toContainText('Held back: rate limit');
  await expectAccessibleInBothSchemes(jobPage, () => expect(jobState(jobPage)).toHaveText('Delayed'));
  await markDocument(jobPage);

  // Raised again: the held jobs are promoted and run; both pages follow without a reload.
  await setRateLimit(request, '50/s');
  await expect(page.getByRole('link', { name: `Completed (${BURST})` })).toBeVisible();
  await expect(held).toContainText('No job is held back by a task’s limit.');
  await expect(page.getByRole('link', { name: 'Delayed (0)' })).toBeVisible();
  await expect(table).toHaveCount(0);
  await expectSameDocument(page);
  await expect(jobState(jobPage)).toHaveText('Completed');
  await expect(jobPage.getByRole('region', { name: 'Held back by a limit' })).toHaveCount(0);
  await expectSameDocument(jobPage);
});
