import { test, expect } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { bull, jobEvents, type Bull } from './support/queues-seed';
import { expectLive, jobState } from './support/page';

let b: Bull;
test.beforeAll(() => {
  b = bull();
});
test.afterAll(async () => {
  await b.close();
});

test('cancel a running report: it fails with reason "cancelled" and reports no progress after the cancel', async ({ page, request }) => {
  // 60 steps of 1 s: plenty of time to cancel it mid-way.
  const job = await runTaskViaApi(request, 'report', { durationMs: 60_000, steps: 60 });
  await page.goto(`/queues/${job.queue}/jobs/${job.id}`);
  await expectLive(page);
  await expect(jobState(page)).toHaveText('Active');
  const bar = page.getByRole('progressbar', { name: 'Job progress' });
  // Running for real: progress has moved past the first steps.
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(2);

  await page.getByRole('region', { name: 'Job actions' }).getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(jobState(page)).toHaveText('Failed');
  await expect(page.getByRole('alert', { name: 'Error message' })).toHaveText('cancelled');
  await expect(page.getByRole('list', { name: 'Timeline' })).toContainText('Attempt 1 cancelled');
  const shown = Number(await bar.getAttribute('aria-valuenow'));

  // Wait until the worker no longer holds the job (its heartbeat lists what it runs), then look at what happened.
  await expect
    .poll(
      async () => {
        const res = await request.get('/api/v1/workers');
        const body = (await res.json()) as { alive: { running: { jobId: string }[] }[] };
        return body.alive.some((w) => w.running.some((r) => r.jobId === job.id));
      },
      { timeout: 20_000 },
    )
    .toBe(false);
  const events = await jobEvents(b, job.queue, job.id);
  const failedAt = events.findIndex(([, e]) => e === 'failed');
  expect(failedAt, JSON.stringify(events)).toBeGreaterThan(0);
  expect(
    events.slice(failedAt + 1).filter(([, e]) => e === 'progress'),
    JSON.stringify(events),
  ).toEqual([]);
  // The stored progress is the last one before the cancel, and the page shows it.
  const stored = await b.redis.hget(`${b.prefix}:${job.queue}:${job.id}`, 'progress');
  expect(Number(stored)).toBe(shown);
  expect(shown).toBeLessThan(100);
  await expect(bar).toHaveAttribute('aria-valuenow', String(shown));
});
