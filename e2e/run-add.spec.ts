import { test, expect } from '@playwright/test';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';

test('run add from its generated form and see the result arrive live', async ({ page }) => {
  await page.goto('/');
  await expectLive(page);
  await markDocument(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
  const tasks = page.getByRole('table', { name: 'Tasks' });
  await expect(tasks.getByRole('link', { name: 'add', exact: true })).toBeVisible();

  await tasks.getByRole('link', { name: 'Run add' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Run add' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Run add' });
  // getByRole, not getByLabel: the label's text is "a*" (the aria-hidden asterisk counts for getByLabel), its accessible name is "a".
  await form.getByRole('textbox', { name: 'a', exact: true }).fill('2');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('3');
  await form.getByRole('button', { name: 'Run add' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  await expect(page.getByRole('heading', { level: 1, name: /^add · job / })).toBeVisible();
  await expect(jobState(page)).toHaveText('Completed');
  // The Card names the region; its text is the heading then the JSON of the result.
  await expect(page.getByRole('region', { name: 'Result' })).toHaveText(/^Result\s*5$/);
  await expect(page.getByRole('progressbar', { name: 'Job progress' })).toHaveAttribute('aria-valuenow', '100');
  // Nav → task → job page were client-side transitions and the result came over the socket: no reload.
  await expectSameDocument(page);
});
