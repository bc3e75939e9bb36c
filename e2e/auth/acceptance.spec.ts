import { test, expect, type Page } from '@playwright/test';
import { apiAs, csrf, jobState, runTask, signIn, withToken } from './support';

/**
 * The acceptance scenarios of accounts, roles, the audit log and API tokens,
 * against a console with accounts (alice: admin, bob: viewer).
 */

/** A failed job to look at and retry (the `fail` demo task always throws). */
async function failedJob(): Promise<{ queue: string; id: string }> {
  const admin = await apiAs('admin');
  const job = await runTask(admin, 'fail', { message: 'for the acceptance test' });
  await expect.poll(() => jobState(admin, job.queue, job.id), { timeout: 15_000 }).toBe('failed');
  await admin.dispose();
  return job;
}

/** POST from inside the page, as its own script would (same origin, cookies, the CSRF header echoed). */
async function forgedPost(page: Page, url: string): Promise<number> {
  return page.evaluate(async (u) => {
    const token = /(?:^|;\s*)celerity_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
    const res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(token) }, body: '{}' });
    return res.status;
  }, url);
}

test('a viewer sees no action buttons, and a forged retry is refused with 403', async ({ page }) => {
  const job = await failedJob();
  await signIn(page, 'viewer');
  await expect(page.getByText('bob', { exact: true })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Tokens' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);

  await page.goto(`/queues/${job.queue}/jobs/${job.id}`);
  await expect(page.getByRole('status', { name: 'Job state' })).toHaveText('Failed');
  await expect(page.getByRole('region', { name: 'Job actions' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);

  await page.goto(`/queues/${job.queue}?state=failed`);
  await expect(page.getByRole('heading', { level: 1, name: `Queue ${job.queue}` })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Queue actions' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Pause queue|Retry all failed|Obliterate/ })).toHaveCount(0);

  await page.goto('/tasks/add');
  await expect(page.getByRole('heading', { level: 1, name: 'Task add' })).toBeVisible();
  await expect(page.getByRole('note').filter({ hasText: 'Read-only' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run add' })).toHaveCount(0);

  await page.goto('/schedules');
  await expect(page.getByRole('link', { name: 'New schedule' })).toHaveCount(0);

  await page.goto('/settings/tokens');
  await expect(page.getByRole('alert').filter({ hasText: 'Admins only' })).toBeVisible();
  await page.goto('/audit');
  await expect(page.getByRole('alert').filter({ hasText: 'Admins only' })).toBeVisible();

  // The button is hidden, but the request can still be made by hand: the server refuses it.
  await page.goto(`/queues/${job.queue}/jobs/${job.id}`);
  expect(await forgedPost(page, `/api/v1/queues/${job.queue}/jobs/${job.id}/retry`)).toBe(403);
  expect(await forgedPost(page, `/api/v1/queues/${job.queue}/pause`)).toBe(403);
  expect(await forgedPost(page, '/api/v1/tasks/hello/runs')).toBe(403);
  const admin = await apiAs('admin');
  expect(await jobState(admin, job.queue, job.id)).toBe('failed');
  expect(((await (await admin.get(`/api/v1/queues/${job.queue}`)).json()) as { paused: boolean }).paused).toBe(false);
  await admin.dispose();
});

test('an admin retries a job, and the retry is in the audit log (the viewer’s attempt among the refused ones)', async ({ page }) => {
  const job = await failedJob();
  // The viewer's attempt on this very job (this test's own, so it stands alone): refused, and logged.
  const viewer = await apiAs('viewer');
  expect((await viewer.post(`/api/v1/queues/${job.queue}/jobs/${job.id}/retry`, { headers: await csrf(viewer), data: {} })).status()).toBe(403);
  await viewer.dispose();
  await signIn(page, 'admin', `/queues/${job.queue}/jobs/${job.id}`);
  await expect(page).toHaveURL(new RegExp(`/queues/${job.queue}/jobs/${job.id}$`));
  await expect(page.getByRole('status', { name: 'Job state' })).toHaveText('Failed');
  await page.getByRole('region', { name: 'Job actions' }).getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByText('Retrying: the job is waiting again.')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  const rows = page.getByRole('table', { name: 'Audit log' }).getByRole('row');
  const onThisJob = rows.filter({ hasText: 'job.retry' }).filter({ hasText: `${job.queue}/${job.id}` });
  const retry = onThisJob.filter({ hasText: 'alice' });
  await expect(retry).toHaveCount(1);
  await expect(retry.getByRole('cell').nth(1)).toHaveText('alice');
  await expect(retry.getByRole('cell').nth(4)).toHaveText('200');
  await expect(retry.getByRole('cell').nth(5)).toHaveText(/127\.0\.0\.1/);
  // The viewer's attempt on the same job is on the page too, refused — among the refused attempts, kept apart
  // so that such requests (which anyone with a viewer account can send without limit) cannot push the actions out.
  await expect(onThisJob).toHaveCount(1);
  const refusedRows = page.getByRole('table', { name: 'Refused attempts' }).getByRole('row');
  const refused = refusedRows.filter({ hasText: 'job.retry' }).filter({ hasText: `${job.queue}/${job.id}` });
  await expect(refused).toHaveCount(1);
  await expect(refused.getByRole('cell').nth(1)).toHaveText('bob');
  await expect(refused.getByRole('cell').nth(4)).toContainText('403');
  // And the admin's sign-in: the action exactly `login` (not `login.failed`), by alice.
  const signIns = rows
    .filter({ has: page.getByRole('cell', { name: 'login', exact: true }) })
    .filter({ has: page.getByRole('cell', { name: 'alice', exact: true }) });
  await expect(signIns.first()).toBeVisible();
  await expect(signIns.first().getByRole('cell').nth(2)).toHaveText('login');
});

test('an admin creates a write token in the UI, enqueues with it, revokes it: then 401', async ({ page }) => {
  const name = `ci-${Date.now()}`;
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await page.getByLabel('Token name').fill(name);
  await page.getByRole('radio', { name: 'Write' }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByRole('region', { name: 'New token value' });
  await expect(shown).toContainText('it will not be shown again');
  const token = (await shown.getByLabel('Token').textContent())!.trim();
  expect(token).toMatch(/^cel_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('write');
  // The list never shows the token itself.
  await page.reload();
  await expect(page.getByText(token)).toHaveCount(0);

  // curl-style: no cookies, only the Bearer token, no CSRF header needed.
  const client = await withToken(token);
  const res = await client.post('/api/v1/tasks/hello/runs', { data: { args: {} } });
  expect(res.status(), await res.text()).toBe(201);
  const job = (await res.json()) as { queue: string; id: string };
  expect((await client.get(`/api/v1/queues/${job.queue}/jobs/${job.id}`)).status()).toBe(200);

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Revoked "${name}".` })).toBeVisible();
  await expect(page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: name })).toHaveCount(0);

  const after = await client.post('/api/v1/tasks/hello/runs', { data: { args: {} } });
  expect(after.status()).toBe(401);
  expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/revoked/i);
  expect((await client.get('/api/v1/queues')).status()).toBe(401);
  await client.dispose();
});

test('a read token reads but cannot write (403), and cannot list tokens', async () => {
  const admin = await apiAs('admin');
  const res = await admin.post('/api/v1/tokens', { data: { name: `grafana-${Date.now()}`, scope: 'read' }, headers: await csrf(admin) });
  expect(res.status()).toBe(201);
  const reader = await withToken(((await res.json()) as { token: string }).token);
  expect((await reader.get('/api/v1/queues')).status()).toBe(200);
  expect((await reader.get('/metrics')).status()).toBe(200);
  expect((await reader.post('/api/v1/tasks/hello/runs', { data: { args: {} } })).status()).toBe(403);
  expect((await reader.get('/api/v1/tokens')).status()).toBe(403);
  await reader.dispose();
  await admin.dispose();
});
