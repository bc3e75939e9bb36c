import { test, expect, type APIRequestContext } from '@playwright/test';
import { expectLive } from './support/page';

/**
 * A schedule that targets a workflow, made from the console's form against the real
 * worker: the form offers the workflow and its arguments (generated from its schema),
 * the schedule's page shows the workflow with a link to its runs, and each run in the
 * history links to the workflow run it started, which opens as any run does.
 */

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

test('a schedule made from the form starts workflow runs', async ({ page, request }) => {
  const name = `wf-sched ${Date.now().toString(36)}`;
  try {
    await page.goto('/schedules/new');
    await expectLive(page);
    const form = page.getByRole('form', { name: 'New schedule' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('radio', { name: 'A workflow' }).check();
    await form.getByRole('combobox', { name: 'Workflow', exact: true }).selectOption('thumbnails');
    // The arguments form is the workflow's, generated from its published schema.
    await form.getByLabel('images', { exact: true }).fill('1');
    await form.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Every 5 seconds' }).click();
    await form.getByRole('button', { name: 'Create schedule' }).click();

    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Runs of workflow thumbnails' })).toHaveAttribute('href', '/workflows?workflow=thumbnails');
    // The first run arrives live in the history, naming the workflow run it started.
    const runLink = page.getByRole('table', { name: 'Run history' }).getByRole('link', { name: /^Workflow run [0-9a-f]{16}$/ });
    await expect(runLink.first()).toBeVisible({ timeout: 15_000 });
    await runLink.first().click();
    await expect(page).toHaveURL(/\/workflows\/thumbnails\/runs\/[0-9a-f]{16}$/);
    await expect(page.getByRole('status', { name: 'Run state' })).toHaveText(/Completed/, { timeout: 15_000 });

    // The list shows the target as a workflow too.
    await page.goto('/schedules');
    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row.getByRole('link', { name: 'thumbnails', exact: true })).toHaveAttribute('href', '/workflows/thumbnails');
  } finally {
    await request.delete(`/api/v1/schedules/${encodeURIComponent(name)}`, { headers: await csrfHeader(request) });
  }
});
