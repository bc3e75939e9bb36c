import { test, expect } from '@playwright/test';
import { formatDuration } from '../components/ui/format';
import type { JobDTO } from '../lib/data/job-dto';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';

test('run add from its generated form and see the result arrive live, with its times and attempts', async ({ page, request }) => {
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

  // Times, duration and attempts: the ones the API has for this job, the times as real <time>s.
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const res = await request.get(`/api/v1/queues/default/jobs/${encodeURIComponent(id)}`);
  expect(res.status(), await res.text()).toBe(200);
  const dto = (await res.json()) as JobDTO;
  expect(dto).toMatchObject({ state: 'completed', attemptsMade: 1, attempts: 1, firstStartKnown: true });
  const { createdAt, startedAt, finishedAt } = dto;
  if (startedAt === null || finishedAt === null) throw new Error(`a completed job without start or finish time: ${JSON.stringify(dto)}`);
  expect(createdAt).toBeLessThanOrEqual(startedAt);
  expect(startedAt).toBeLessThanOrEqual(finishedAt);
  expect(dto.durationMs).toBe(finishedAt - startedAt);
  // One attempt: its start is the job's first start, and it took the whole duration.
  expect(dto.lastAttemptStartedAt).toBe(startedAt);
  expect(dto.lastAttemptDurationMs).toBe(dto.durationMs);

  const timing = page.getByRole('region', { name: 'Timing' });
  for (const [label, ms] of [
    ['Created', createdAt],
    ['Started', startedAt],
    ['Finished', finishedAt],
  ] as const) {
    const time = timing.getByRole('group', { name: label, exact: true }).getByRole('time');
    await expect(time).toHaveAttribute('datetime', new Date(ms).toISOString());
    // Shown as that instant in the viewer's locale and time zone (the server's HTML has UTC until the page hydrates).
    const local = await page.evaluate((t) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }), ms);
    await expect(time).toHaveText(local);
  }
  await expect(timing.getByRole('group', { name: 'Duration', exact: true }).getByRole('definition')).toHaveText(formatDuration(dto.durationMs));
  await expect(timing.getByRole('group', { name: 'Attempts', exact: true }).getByRole('definition')).toHaveText('1 of 1');
  // The last attempt's own rows are for retried jobs only (e2e/fail.spec.ts has one).
  await expect(timing.getByRole('group', { name: /^Last attempt/ })).toHaveCount(0);

  // Nav → task → job page were client-side transitions and the result came over the socket: no reload.
  await expectSameDocument(page);
});
