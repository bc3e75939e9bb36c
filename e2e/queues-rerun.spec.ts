import { test, expect } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { expectLive, jobState } from './support/page';

test('re-run a completed add with b changed: the new job’s result reflects the edit and links to the original', async ({ page, request }) => {
  const original = await runTaskViaApi(request, 'add', { a: 2, b: 3 });
  await page.goto(`/queues/${original.queue}/jobs/${original.id}`);
  await expectLive(page);
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*5$/);

  await page.getByRole('button', { name: 'Re-run with edited arguments' }).click();
  const form = page.getByRole('form', { name: 'Re-run' });
  // The task's generated fields, filled with the job's arguments.
  await expect(form.getByRole('textbox', { name: 'a', exact: true })).toHaveValue('2');
  await expect(form.getByRole('textbox', { name: 'b', exact: true })).toHaveValue('3');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('10');
  await form.getByRole('button', { name: 'Re-run', exact: true }).click();

  await expect(page).not.toHaveURL(new RegExp(`/jobs/${original.id}$`));
  await expect(page).toHaveURL(/\/queues\/default\/jobs\/rerun-[^/]+$/);
  await expect(jobState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*12$/);
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('"b": 10');
  const newUrl = page.url();

  await page.getByRole('link', { name: `job ${original.id}`, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/queues/default/jobs/${original.id}$`));
  // The original is unchanged and lists its re-run.
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*5$/);
  const reruns = page.getByRole('region', { name: 'Re-runs' });
  await expect(reruns).toContainText('Re-run 1 time');
  await reruns.getByRole('link').click();
  await expect(page).toHaveURL(newUrl);
});

test('a re-run with arguments the task refuses shows the error under the field', async ({ page, request }) => {
  const original = await runTaskViaApi(request, 'add', { a: 1, b: 1 });
  await page.goto(`/queues/${original.queue}/jobs/${original.id}`);
  await expect(jobState(page)).toHaveText('Completed');
  await page.getByRole('button', { name: 'Re-run with edited arguments' }).click();
  const form = page.getByRole('form', { name: 'Re-run' });
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('ten');
  await form.getByRole('button', { name: 'Re-run', exact: true }).click();
  await expect(form.getByRole('textbox', { name: 'b', exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(new RegExp(`/jobs/${original.id}$`));
});
