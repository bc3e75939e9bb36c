import { test, expect } from '@playwright/test';
import { expectLive, jobState } from './support/page';

test('a failing task shows Failed, its error message and the stack trace', async ({ page }) => {
  await page.goto('/tasks/fail');
  await expectLive(page);
  const form = page.getByRole('form', { name: 'Run fail' });
  // The default message of the `fail` task is prefilled.
  await expect(form.getByRole('textbox', { name: 'message', exact: true })).toHaveValue('This task always fails');
  await form.getByRole('button', { name: 'Run fail' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  await expect(jobState(page)).toHaveText('Failed');
  const error = page.getByRole('region', { name: 'Error' });
  await expect(error.getByRole('alert', { name: 'Error message' })).toHaveText('This task always fails');
  const stack = error.getByLabel('Stack trace');
  await expect(stack).toContainText('Error: This task always fails');
  // At least one frame: "at <function> (<file>:<line>:<column>)".
  await expect(stack).toContainText('at ');
  await expect(stack).toContainText(/\bat .+:\d+:\d+/);
});

test('with Attempts 2 from the form, fail is tried twice: the page shows 2 of 2 attempts and both stack traces are kept', async ({ page, request }) => {
  await page.goto('/tasks/fail');
  await expectLive(page);
  const form = page.getByRole('form', { name: 'Run fail' });
  await form.getByRole('textbox', { name: 'Attempts' }).fill('2');
  await form.getByRole('button', { name: 'Run fail' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  await expect(jobState(page)).toHaveText('Failed');
  const attempts = page.getByRole('region', { name: 'Timing' }).getByRole('group', { name: 'Attempts', exact: true }).getByRole('definition');
  await expect(attempts).toHaveText('2 of 2');

  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const res = await request.get(`/api/v1/queues/default/jobs/${encodeURIComponent(id)}`);
  expect(res.status(), await res.text()).toBe(200);
  const dto = (await res.json()) as { state: string; attemptsMade: number; attempts: number; stack: string[] };
  expect(dto).toMatchObject({ state: 'failed', attemptsMade: 2, attempts: 2 });
  expect(dto.stack).toHaveLength(2);
  // The last attempt's stack is shown; the earlier one is kept under it.
  const error = page.getByRole('region', { name: 'Error' });
  await expect(error.getByRole('region', { name: 'Stack trace' })).toContainText('Error: This task always fails');
  await expect(error.getByRole('group').filter({ hasText: 'Stack traces of the earlier failed attempts (1)' })).toBeVisible();
});
