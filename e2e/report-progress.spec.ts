import { test, expect, type Page } from '@playwright/test';
import { expectLive, jobState } from './support/page';

interface Sample {
  progress: number | null;
  logs: string[];
}

/**
 * Record, from inside the page, every distinct (progress, log lines) state of
 * the job page as it is rendered: a MutationObserver on the whole document, so
 * it already watches before the client-side navigation to the job page and
 * misses no frame between Playwright polls. It looks the elements up by their
 * role and accessible name attributes, like the locators do.
 */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: Sample[] = [];
    const take = () => {
      const bar = document.querySelector('[role="progressbar"][aria-label="Job progress"]');
      const list = document.querySelector('[aria-label="Log lines"]');
      const progress = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
      const logs = list ? Array.from(list.querySelectorAll('li'), (li) => li.textContent ?? '') : [];
      const last = samples[samples.length - 1];
      if (!last || last.progress !== progress || last.logs.length !== logs.length) samples.push({ progress, logs });
    };
    new MutationObserver(take).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    (window as unknown as { __e2eSamples: Sample[] }).__e2eSamples = samples;
  });
}

const samples = (page: Page) => page.evaluate(() => (window as unknown as { __e2eSamples: Sample[] }).__e2eSamples);

test('a running report shows its progress and log lines live', async ({ page }) => {
  await page.goto('/tasks/report');
  await expectLive(page);
  const form = page.getByRole('form', { name: 'Run report' });
  await form.getByRole('textbox', { name: 'durationMs', exact: true }).fill('4000');
  await form.getByRole('textbox', { name: 'steps', exact: true }).fill('8');
  await startRecording(page);
  await form.getByRole('button', { name: 'Run report' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  const logLines = page.getByRole('list', { name: 'Log lines' });
  // That it was on screen while the job still ran is checked from the recorded samples below.
  await expect(logLines.getByRole('listitem').filter({ hasText: 'Step 1/8 done' })).toBeVisible();
  // While it runs, the attempt under way counts (BullMQ only counts an attempt once it ends).
  const attempts = page.getByRole('region', { name: 'Timing' }).getByRole('group', { name: 'Attempts', exact: true }).getByRole('definition');
  await expect(attempts).toHaveText('1 of 1, running');
  await expect(page.getByRole('region', { name: 'Options' })).toContainText('1 (no retries)');
  // The task keeps the default retention: the job names none, and the page says its worker applies Celerity's default.
  await expect(page.getByRole('region', { name: 'Options' })).toContainText("7 days or the last 10,000 (Celerity's default, applied by its worker)");
  await expect(jobState(page)).toHaveText('Completed', { timeout: 20_000 });
  await expect(attempts).toHaveText('1 of 1');
  await expect(logLines.getByRole('listitem')).toHaveText([
    'Report started: 8 steps over 4000 ms',
    ...Array.from({ length: 8 }, (_, i) => `Step ${i + 1}/8 done`),
  ]);
  await expect(page.getByRole('progressbar', { name: 'Job progress' })).toHaveAttribute('aria-valuenow', '100');

  const seen = await samples(page);
  const intermediate = [...new Set(seen.map((s) => s.progress).filter((v): v is number => v !== null && v > 0 && v < 100))];
  expect(intermediate.length, `progress values seen: ${JSON.stringify(seen.map((s) => s.progress))}`).toBeGreaterThanOrEqual(2);
  // Live, not only at the end: some log line was on screen while the bar was still below 100.
  expect(
    seen.some((s) => s.progress !== null && s.progress < 100 && s.logs.includes('Step 1/8 done')),
    `samples: ${JSON.stringify(seen)}`,
  ).toBe(true);
});
