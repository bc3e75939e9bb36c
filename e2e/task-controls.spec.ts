import { test, expect, type Page } from '@playwright/test';
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
// Enqueued one after the other after the change: even were the override a second late on the worker (its
// periodic re-read), the code's 20/s could not have run them all by then.
const BURST = 10;

/** Change the task's rate limit with the task page's form, as an admin does (the open console's user is one). */
async function setRateLimit(taskPage: Page, rateLimit: string): Promise<void> {
  const form = taskPage.getByRole('form', { name: 'Change controls' });
  await form.getByLabel('Rate limit').fill(rateLimit);
  await form.getByRole('button', { name: 'Apply limits' }).click();
  await expect(taskPage.getByRole('status', { name: 'Controls result' })).toContainText(`Saved: rate limit ${rateLimit} (override)`);
}

test.afterEach(async ({ request }) => {
  // Back to the code's limits whatever happened.
  await request.delete(`/api/v1/tasks/${TASK}/override`);
});

/** The queue page's summary of held jobs, or the job page's notice. */
const heldRegion = (page: Page) => page.getByRole('region', { name: 'Held back by a limit' });

test('an admin lowers a task’s rate limit on its page: the queue page shows the jobs waiting for it; raised again, they run', async ({
  page,
  context,
  request,
}) => {
  // On the task page, 1 start a minute: after the first, every job of the burst waits for the limit.
  await page.goto(`/tasks/${TASK}`);
  await setRateLimit(page, '1/m');
  for (let i = 0; i < BURST; i++) await runTaskViaApi(request, TASK, { endpoint: `/burst/${i}` });

  // The queue page: a summary of the held jobs, and each delayed row says why and until when.
  const queuePage = await context.newPage();
  await queuePage.goto(`/queues/${QUEUE}?state=delayed`);
  await expectLive(queuePage);
  const held = heldRegion(queuePage);
  await expect(held).toContainText(/\d+ jobs? waits? for their task’s limit/);
  await expect(held.getByRole('list', { name: 'Held jobs by task' })).toContainText(`${TASK}: rate limit 1/m`);
  await expect(held.getByRole('link', { name: `delayed jobs of ${TASK}` })).toHaveAttribute('href', `/queues/${QUEUE}?state=delayed&name=${TASK}`);
  const table = queuePage.getByRole('table', { name: new RegExp(`^Delayed jobs in ${QUEUE}`) });
  const heldRows = table.getByRole('row').filter({ hasText: /Held: rate limit 1\/m — may run at \d\d:\d\d:\d\d/ });
  await expect(heldRows.first()).toBeVisible();
  // Not all ran: the limit holds them.
  await expect(queuePage.getByRole('link', { name: `Completed (${BURST})` })).toHaveCount(0);
  // The colours follow prefers-color-scheme live: audited in both without reloading the page.
  await expectAccessibleInBothSchemes(queuePage, () => expect(heldRows.first()).toBeVisible());
  await markDocument(queuePage);

  // A held job's page says why it waits, with its time, in the notice and the timeline.
  const jobId = (await heldRows.first().getByRole('link').first().textContent())!;
  const jobPage = await context.newPage();
  await jobPage.goto(`/queues/${QUEUE}/jobs/${jobId}`);
  await expectLive(jobPage);
  await expect(jobState(jobPage)).toHaveText('Delayed');
  await expect(heldRegion(jobPage)).toContainText(/Held back: rate limit 1\/m.*May run at/s);
  await expect(jobPage.getByRole('list', { name: 'Timeline' })).toContainText('Held back: rate limit 1/m');
  await expectAccessibleInBothSchemes(jobPage, () => expect(jobState(jobPage)).toHaveText('Delayed'));
  await markDocument(jobPage);

  // Raised again on the task page: the held jobs run at once; the queue and job pages follow without a reload.
  await setRateLimit(page, '50/s');
  await expect(queuePage.getByRole('link', { name: `Completed (${BURST})` })).toBeVisible();
  await expect(held).toContainText('No job is held back by a task’s limit.');
  await expect(queuePage.getByRole('link', { name: 'Delayed (0)' })).toBeVisible();
  await expect(table).toHaveCount(0);
  await expectSameDocument(queuePage);
  await expect(jobState(jobPage)).toHaveText('Completed');
  await expect(heldRegion(jobPage)).toHaveCount(0);
  await expectSameDocument(jobPage);
});
