import { test, expect, type APIRequestContext, type Locator } from '@playwright/test';
import { formatDuration } from '../components/ui/format';
import type { JobDTO } from '../lib/data/job-dto';
import { runTaskViaApi } from './support/api';
import { expectLive, jobState } from './support/page';

async function readJob(request: APIRequestContext, id: string): Promise<JobDTO> {
  const res = await request.get(`/api/v1/queues/default/jobs/${encodeURIComponent(id)}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as JobDTO;
}

/** The <time> of one Timing row: the instant in its datetime attribute. */
async function expectTimeRow(timing: Locator, label: string, ms: number | null): Promise<void> {
  if (ms === null) throw new Error(`no time for ${label}`);
  await expect(timing.getByRole('group', { name: label, exact: true }).getByRole('time')).toHaveAttribute('datetime', new Date(ms).toISOString());
}

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
  const dto = await readJob(request, id);
  expect(dto).toMatchObject({ state: 'failed', attemptsMade: 2, attempts: 2, firstStartKnown: true });
  expect(dto.stack).toHaveLength(2);
  // Started is the first attempt's start (as the timeline has it), and the duration runs from there over both attempts.
  const tried = dto.timeline.filter((e) => e.kind === 'attempt');
  expect(tried.map((e) => e.attempt)).toEqual([1, 2]);
  expect(dto.startedAt).toBe(tried[0]!.at);
  expect(dto.durationMs).toBe(dto.finishedAt! - dto.startedAt!);
  expect(dto.durationMs).toBeGreaterThanOrEqual(tried[1]!.until! - tried[0]!.at!);
  const timing = page.getByRole('region', { name: 'Timing' });
  await expectTimeRow(timing, 'Started', dto.startedAt);
  await expectTimeRow(timing, 'Finished', dto.finishedAt);
  await expect(timing.getByRole('group', { name: 'Duration', exact: true }).getByRole('definition')).toHaveText(formatDuration(dto.durationMs));
  // The last attempt's stack is shown; the earlier one is kept under it.
  const error = page.getByRole('region', { name: 'Error' });
  await expect(error.getByRole('region', { name: 'Stack trace' })).toContainText('Error: This task always fails');
  await expect(error.getByRole('group').filter({ hasText: 'Stack traces of the earlier failed attempts (1)' })).toBeVisible();
});

test('flaky fails twice, then succeeds: Started is the first attempt’s start and Duration covers all three attempts and the backoffs', async ({
  page,
  request,
}) => {
  // flaky's defaults: 5 attempts, exponential backoff from 500 ms, so the retries wait 500 ms then 1 s.
  const { id } = await runTaskViaApi(request, 'flaky', { failTimes: 2 });
  await page.goto(`/queues/default/jobs/${encodeURIComponent(id)}`);
  await expectLive(page);
  await expect(jobState(page)).toHaveText('Completed');

  const dto = await readJob(request, id);
  expect(dto).toMatchObject({ state: 'completed', attemptsMade: 3, attempts: 5, firstStartKnown: true });
  const tried = dto.timeline.filter((e) => e.kind === 'attempt');
  expect(tried.map((e) => e.attempt)).toEqual([1, 2, 3]);
  const { startedAt, lastAttemptStartedAt, finishedAt } = dto;
  if (startedAt === null || lastAttemptStartedAt === null || finishedAt === null) throw new Error(`a completed job without its times: ${JSON.stringify(dto)}`);
  expect(startedAt).toBe(tried[0]!.at);
  // The last attempt started after the second one ended; BullMQ's processedOn is that start.
  expect(lastAttemptStartedAt).toBeGreaterThan(tried[1]!.until!);
  expect(lastAttemptStartedAt).toBeLessThanOrEqual(tried[2]!.at!);
  expect(dto.durationMs).toBe(finishedAt - startedAt);
  expect(dto.durationMs).toBeGreaterThanOrEqual(tried[2]!.until! - tried[0]!.at!);
  // The two backoff waits alone take 1.5 s: a duration below that would be the last attempt's only.
  expect(dto.durationMs).toBeGreaterThanOrEqual(1500);
  expect(dto.lastAttemptDurationMs).toBe(finishedAt - lastAttemptStartedAt);

  const timing = page.getByRole('region', { name: 'Timing' });
  await expectTimeRow(timing, 'Started', startedAt);
  await expectTimeRow(timing, 'Finished', finishedAt);
  await expect(timing.getByRole('group', { name: 'Duration', exact: true }).getByRole('definition')).toHaveText(formatDuration(dto.durationMs));
  await expectTimeRow(timing, 'Last attempt started', lastAttemptStartedAt);
  await expect(timing.getByRole('group', { name: 'Last attempt took', exact: true }).getByRole('definition')).toHaveText(
    formatDuration(dto.lastAttemptDurationMs),
  );
  await expect(timing.getByRole('group', { name: 'Attempts', exact: true }).getByRole('definition')).toHaveText('3 of 5');
});
