import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { jobState } from './support/page';

test('search finished jobs by a word in their error, and export the result set as CSV', async ({ page, request }) => {
  const word = `zebra${randomBytes(3).toString('hex')}`;
  // A message a spreadsheet would run as a formula, with a comma and quotes: the CSV must keep it inert and whole.
  const message = `=HYPERLINK("http://evil.example","${word}"), then it failed`;
  const job = await runTaskViaApi(request, 'fail', { message });
  await page.goto(`/queues/${job.queue}/jobs/${job.id}`);
  await expect(jobState(page)).toHaveText('Failed');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Results', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Results', exact: true })).toBeVisible();
  const form = page.getByRole('search', { name: 'Search results' });
  await form.getByRole('searchbox', { name: 'Text in arguments, result or error' }).fill(word.toUpperCase());
  await form.getByRole('combobox', { name: 'State' }).selectOption('failed');
  await form.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/[?&]q=ZEBRA/);

  const table = page.getByRole('table', { name: 'Finished jobs found, newest first' });
  await expect(table.getByRole('row')).toHaveCount(2);
  const row = table.getByRole('row').nth(1);
  await expect(row.getByRole('link', { name: job.id, exact: true })).toBeVisible();
  await expect(row.getByRole('cell', { name: message, exact: true })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Search summary' })).toHaveText(/^1 matching job/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.split('\r\n');
  expect(lines[0]).toBe('queue,id,task,state,created_at,started_at,finished_at,duration_ms,attempts,args,result,error');
  expect(lines).toHaveLength(3);
  expect(lines[2]).toBe('');
  // The error cell: formula guard, then quoted with its quotes doubled.
  expect(lines[1]!.endsWith(`,"'${message.replace(/"/g, '""')}"`)).toBe(true);
  expect(lines[1]!.startsWith(`default,${job.id},fail,failed,`)).toBe(true);

  // The job opens from the results.
  await row.getByRole('link', { name: job.id, exact: true }).click();
  await expect(page.getByRole('alert', { name: 'Error message' })).toHaveText(message);
});

test('the results API refuses bad filters with 400 and the field', async ({ request }) => {
  for (const [query, field] of [
    ['from=yesterday', 'from'],
    ['state=active', 'state'],
    ['format=xml', 'format'],
    ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'from'],
    ['cursor=bogus', 'cursor'],
  ] as const) {
    const res = await request.get(`/api/v1/results?${query}`);
    expect(res.status(), query).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
  }
  const unknown = await request.get('/api/v1/results?queue=no-such-queue');
  expect(unknown.status()).toBe(404);
});
