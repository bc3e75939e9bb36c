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
