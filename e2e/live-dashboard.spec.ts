import { test, expect, type Locator, type Page } from '@playwright/test';
import { runTaskViaApi } from './support/api';
import { expectLive, expectSameDocument, markDocument } from './support/page';

/** The number in one of the dashboard's "jobs by state" tiles. */
function stateTile(page: Page, label: string): Locator {
  return page.getByRole('region', { name: 'Jobs by state, all queues' }).getByRole('group', { name: label, exact: true }).getByRole('definition');
}

const tileValue = async (l: Locator) => Number(await l.textContent());

/**
 * Completed jobs per second as the throughput chart's table (its text
 * alternative) lists them, summed over the seconds that start at or after `from`.
 */
async function completedInTableSince(figure: Locator, from: number): Promise<number> {
  return figure.getByRole('table').evaluate((table, since) => {
    let sum = 0;
    for (const row of Array.from(table.querySelectorAll('tbody tr'))) {
      const time = row.querySelector('time');
      if (!time || Date.parse(time.getAttribute('datetime') ?? '') < since) continue;
      sum += Number(row.querySelectorAll('td')[1]?.textContent ?? 0);
    }
    return sum;
  }, from);
}

test('50 add jobs enqueued by the API: the completed counter rises by exactly 50 without a reload, and the throughput chart shows them', async ({
  page,
  request,
}) => {
  await page.goto('/');
  await expectLive(page);
  await markDocument(page);
  const completed = stateTile(page, 'Completed jobs');
  // Nothing left over from earlier specs is still on its way to "completed".
  for (const state of ['Waiting jobs', 'Active jobs', 'Delayed jobs', 'Prioritized jobs']) await expect(stateTile(page, state)).toHaveText('0');
  await expect(completed).toHaveText(/^\d+$/);
  const before = await tileValue(completed);

  // Start on a fresh second, so the chart's seconds from here on hold only this test's jobs.
  const from = Math.ceil(Date.now() / 1000) * 1000;
  await expect.poll(() => Date.now() >= from).toBe(true);
  await Promise.all(Array.from({ length: 50 }, (_, i) => runTaskViaApi(request, 'add', { a: i, b: 1 })));

  await expect.poll(() => tileValue(completed), { timeout: 20_000 }).toBe(before + 50);
  await expect(stateTile(page, 'Active jobs')).toHaveText('0');
  await expect(stateTile(page, 'Waiting jobs')).toHaveText('0');
  expect(await tileValue(completed)).toBe(before + 50);

  // The live chart: its text alternative (figure description) and its table.
  const figure = page.getByRole('figure', { name: /^Throughput, last 5 minutes/ });
  await expect(figure).toHaveAccessibleDescription(/^Last 5 minutes: \d+ completed, \d+ failed/);
  // Seconds are sent once they have ended: the description catches up within about a second.
  const described = () =>
    figure.evaluate((el) => Number(/(\d+) completed/.exec(document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '')?.[1]));
  await expect.poll(described).toBeGreaterThanOrEqual(50);
  await figure.getByRole('button', { name: 'Show as table' }).click();
  await expect(figure.getByRole('table')).toBeVisible();
  // Each second arrives once it has ended; the last one within about a second.
  await expect.poll(() => completedInTableSince(figure, from), { timeout: 10_000 }).toBe(50);
  await expectSameDocument(page);
});

test('the dashboard lists active jobs with live progress and links the latest failure', async ({ page, request }) => {
  await page.goto('/');
  await expectLive(page);
  await markDocument(page);
  const failed = await runTaskViaApi(request, 'fail', { message: 'dashboard e2e failure' });
  const failures = page.getByRole('table', { name: 'Latest failures' });
  const link = failures.getByRole('link', { name: `fail #${failed.id}` });
  await expect(link).toBeVisible();
  await expect(failures.getByRole('row').filter({ has: page.getByRole('link', { name: `fail #${failed.id}` }) })).toContainText('dashboard e2e failure');

  const report = await runTaskViaApi(request, 'report', { durationMs: 3000, steps: 6 });
  const bar = page.getByRole('table', { name: 'Active jobs' }).getByRole('progressbar', { name: `Progress of report #${report.id}` });
  await expect.poll(async () => Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? -1)).toBeGreaterThan(0);
  // When it is done it leaves the list.
  await expect(bar).toHaveCount(0, { timeout: 15_000 });
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/queues/default/jobs/${failed.id}$`));
  await expectSameDocument(page);
});
