import { test, expect } from '@playwright/test';
import { formatDuration } from '../components/ui/format';
import { bull, type Bull } from './support/queues-seed';
import { expectLive, jobState } from './support/page';

/**
 * The Run form generated from a task's JSON Schema: required fields are
 * marked (for the eye and for assistive tech), each schema description is the
 * input's help text (its accessible description), defaults are filled in, and
 * the options delay (typed in seconds), attempts and priority reach the job.
 */
let b: Bull | undefined;

test.afterAll(async () => {
  await b?.close();
});

test('required fields are marked, descriptions are the inputs’ help text, defaults are filled in', async ({ page }) => {
  await page.goto('/tasks/add');
  const add = page.getByRole('form', { name: 'Run add' });
  for (const [name, description] of [
    ['a', 'First number'],
    ['b', 'Second number'],
  ] as const) {
    const input = add.getByRole('textbox', { name, exact: true });
    await expect(input).toHaveAttribute('required');
    await expect(input).toHaveAccessibleDescription(`${description}. Type: number.`);
    await expect(input).toHaveValue('');
    // The visible marker: the label reads "a*" (the asterisk is hidden from assistive tech, which hears "required").
    await expect(add.getByLabel(`${name}*`, { exact: true })).toBeVisible();
  }
  await expect(add.getByText('* marks a required field.')).toBeVisible();

  await page.goto('/tasks/report');
  const report = page.getByRole('form', { name: 'Run report' });
  const duration = report.getByRole('textbox', { name: 'durationMs', exact: true });
  const steps = report.getByRole('textbox', { name: 'steps', exact: true });
  // Both have defaults, so neither is required (the worker fills them in).
  await expect(duration).toHaveValue('10000');
  await expect(duration).not.toHaveAttribute('required');
  await expect(duration).toHaveAccessibleDescription('How long the report takes, in milliseconds. Type: integer. Range: 0 to 3600000. Default: 10000.');
  await expect(steps).toHaveValue('10');
  await expect(steps).not.toHaveAttribute('required');
  await expect(steps).toHaveAccessibleDescription('How many progress steps. Type: integer. Range: 1 to 1000. Default: 10.');
  await expect(report.getByLabel('durationMs', { exact: true })).toBeVisible();
  await expect(report.getByText('* marks a required field.')).toHaveCount(0);

  // The options, with their own help.
  await expect(report.getByRole('textbox', { name: 'Delay (seconds)' })).toHaveAccessibleDescription('Wait this long before the job may run.');
  await expect(report.getByRole('textbox', { name: 'Attempts' })).toHaveAccessibleDescription('Tries in all (task default: 1).');
  await expect(report.getByRole('textbox', { name: 'Priority' })).toHaveAccessibleDescription('1 runs first; empty for none.');
  await page.goto('/tasks/flaky');
  await expect(page.getByRole('form', { name: 'Run flaky' }).getByRole('textbox', { name: 'Attempts' })).toHaveAccessibleDescription(
    'Tries in all (task default: 5).',
  );
});

test('delay (in seconds), attempts and priority from the form are the job’s options', async ({ page, request }) => {
  b = bull();
  await page.goto('/tasks/add');
  await expectLive(page);
  const form = page.getByRole('form', { name: 'Run add' });
  await form.getByRole('textbox', { name: 'a', exact: true }).fill('1');
  await form.getByRole('textbox', { name: 'b', exact: true }).fill('2');
  // 90.5 s: long enough to stay delayed while the test looks, and a fraction to prove the ms conversion.
  await form.getByRole('textbox', { name: 'Delay (seconds)' }).fill('90.5');
  await form.getByRole('textbox', { name: 'Attempts' }).fill('3');
  await form.getByRole('textbox', { name: 'Priority' }).fill('7');
  await form.getByRole('button', { name: 'Run add' }).click();

  await expect(page).toHaveURL(/\/queues\/default\/jobs\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  try {
    await expect(jobState(page)).toHaveText('Delayed');
    const res = await request.get(`/api/v1/queues/default/jobs/${encodeURIComponent(id)}`);
    expect(res.status(), await res.text()).toBe(200);
    const dto = (await res.json()) as {
      state: string;
      args: unknown;
      delayMs: number;
      attempts: number;
      attemptsMade: number;
      priority: number;
      options: Record<string, unknown>;
    };
    expect(dto).toMatchObject({ state: 'delayed', args: { a: 1, b: 2 }, delayMs: 90_500, attempts: 3, attemptsMade: 0, priority: 7 });
    expect(dto.options).toMatchObject({ delay: 90_500, attempts: 3, priority: 7 });

    const timing = page.getByRole('region', { name: 'Timing' });
    await expect(timing.getByRole('group', { name: 'Delay', exact: true }).getByRole('definition')).toHaveText(formatDuration(90_500));
    await expect(timing.getByRole('group', { name: 'Priority', exact: true }).getByRole('definition')).toHaveText('7');
    await expect(timing.getByRole('group', { name: 'Attempts', exact: true }).getByRole('definition')).toHaveText('0 of 3');
  } finally {
    // Not left to run 90 s later in the middle of another spec.
    await b.queue('default').remove(id);
  }
});
