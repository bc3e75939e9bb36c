import { test, expect } from '@playwright/test';
import { expectLive, jobState } from '../support/page';

/**
 * The console on a 3-master Redis Cluster, in Chromium: the dashboard, a task run
 * from its form to completion (live on the job page), the queue page listing
 * that job, and the queue shown by its plain name (its keys carry the `{default}` tag).
 */
test('on a cluster: run add, see it complete live, find it on the queue page and the dashboard', async ({ page, request }) => {
  await page.goto('/');
  await expectLive(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  await page.goto('/tasks');
  await page.getByRole('table', { name: 'Tasks' }).getByRole('link', { name: 'Run add' }).click();
  const form = page.getByRole('form', { name: 'Run add' });
  await form.getByRole('textbox', { name: 'a', exact: true }).fill('20');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('22');
  await form.getByRole('button', { name: 'Run add' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  await expectLive(page);
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*42$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

  // The queue list names the queue as people do, not by its hash-tagged BullMQ name.
  const queues = (await (await request.get('/api/v1/queues')).json()) as { queues: { name: string; counts: { completed: number } }[] };
  expect(queues.queues.map((q) => q.name)).toContain('default');
  expect(queues.queues.some((q) => q.name.includes('{'))).toBe(false);

  await page.goto('/queues');
  const table = page.getByRole('table', { name: 'Queues and their job counts' });
  const link = table.getByRole('link', { name: 'default', exact: true });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Queue default' })).toBeVisible();
  await page
    .getByRole('navigation', { name: 'Job states' })
    .getByRole('link', { name: /^Completed \(/ })
    .click();
  await page.getByRole('link', { name: id, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: `add · job ${id}` })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
});
