import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { Queue } from 'bullmq';
import { e2eEnv } from './support/e2e-env';
import { expectLive, expectSameDocument, markDocument } from './support/page';

/**
 * Schedules through the console's forms, against the real worker and Redis:
 * runs appear live, disabling stops them, cron previews in a zone, a one-off
 * runs once, bad input is refused next to its field, deletion removes the
 * BullMQ scheduler. Each test uses its own schedule names and deletes what it
 * created, so the worker is not left running schedules for later specs.
 */

// A browser zone that is neither UTC nor the schedule's zone: the default zone and the
// viewer-zone times must come from the browser, and the Paris times from the schedule.
test.use({ timezoneId: 'America/New_York' });

interface RunDTO {
  jobId: string;
  slot: number | null;
  state: string;
}
interface DetailDTO {
  definition: { trigger: { expression?: string } };
  queue: string;
  status: string;
  runCount: number;
  runs: RunDTO[];
}
interface ListDTO {
  schedules: { definition: { name: string } }[];
  orphans: { queue: string; id: string }[];
}

/** A fresh name per test (a space in it also exercises URL encoding). */
function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

async function listSchedules(request: APIRequestContext): Promise<ListDTO> {
  const res = await request.get('/api/v1/schedules');
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as ListDTO;
}

async function scheduleDetail(request: APIRequestContext, name: string): Promise<DetailDTO> {
  const res = await request.get(`/api/v1/schedules/${encodeURIComponent(name)}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as DetailDTO;
}

/** Best-effort cleanup: a schedule left behind would keep the shared worker busy. */
async function deleteSchedule(request: APIRequestContext, name: string): Promise<void> {
  await request.delete(`/api/v1/schedules/${encodeURIComponent(name)}`, { headers: await csrfHeader(request) });
}

/** Open the New schedule form with the socket live; returns the form. */
async function openNewForm(page: Page) {
  await page.goto('/schedules');
  await expectLive(page);
  await page.getByRole('link', { name: 'New schedule' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New schedule' })).toBeVisible();
  const form = page.getByRole('form', { name: 'New schedule' });
  // The browser's zone is the default, shown in the input (not left implicit).
  await expect(form.getByRole('combobox', { name: 'Time zone' })).toHaveValue('America/New_York');
  return form;
}

test.describe('schedules', () => {
  const created: string[] = [];
  test.afterEach(async ({ request }) => {
    for (const name of created.splice(0)) await deleteSchedule(request, name);
  });

  test('every 5 seconds: runs appear live, none while disabled, they resume when enabled', async ({ page, request }) => {
    const name = uniqueName('every5');
    created.push(name);
    const form = await openNewForm(page);
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('combobox', { name: 'Task', exact: true }).selectOption('hello');
    await form.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Every 5 seconds' }).click();
    await expect(form.getByRole('radio', { name: 'Interval' })).toBeChecked();
    await expect(page.getByRole('region', { name: 'Preview' })).toContainText('Runs every 5 seconds');
    await markDocument(page);
    await form.getByRole('button', { name: 'Create schedule' }).click();

    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    const status = page.getByRole('status', { name: 'Schedule status' });
    await expect(status).toHaveText('Active');
    // Body rows of the history: each links to its job (the header row has no link).
    const runs = page
      .getByRole('table', { name: 'Run history' })
      .getByRole('row')
      .filter({ has: page.getByRole('link') });
    await expect.poll(() => runs.count(), { timeout: 12_000 }).toBeGreaterThanOrEqual(2);
    // The runs arrived over the socket: the page was never reloaded.
    await expectSameDocument(page);

    const actions = page.getByRole('group', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Disable' }).click();
    await expect(status).toHaveText('Paused');
    const disabledAt = Date.now();
    // A slot that fired just before the PATCH landed may still show up: wait until the page shows every run Redis has.
    await expect.poll(async () => (await runs.count()) === (await scheduleDetail(request, name)).runs.length).toBe(true);
    const before = await runs.count();
    // "No new run for 10 s" is itself a time window: there is no UI event to wait for (the point is that none comes),
    // so the window is waited out, then the history must be unchanged.
    await page.waitForTimeout(10_000);
    await expect(runs).toHaveCount(before);
    const paused = await scheduleDetail(request, name);
    expect(paused.runs).toHaveLength(before);
    expect(paused.runs.filter((r) => r.slot !== null && r.slot > disabledAt)).toEqual([]);

    await actions.getByRole('button', { name: 'Enable' }).click();
    await expect(status).toHaveText('Active');
    await expect.poll(() => runs.count(), { timeout: 12_000 }).toBeGreaterThan(before);
    await expectSameDocument(page);
  });

  test('cron 3 17 * * 0 in Europe/Paris: the preview lists five Sundays at 17:03 Paris time, the table says it in words', async ({ page }) => {
    const name = uniqueName('sunday');
    created.push(name);
    const form = await openNewForm(page);
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('combobox', { name: 'Task', exact: true }).selectOption('hello');
    await form.getByRole('radio', { name: 'Cron' }).check();
    await form.getByRole('textbox', { name: 'Cron expression' }).fill('3 17 * * 0');
    await form.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Paris');

    const preview = page.getByRole('region', { name: 'Preview' });
    await expect(preview).toContainText('Runs at 17:03, only on Sunday, Europe/Paris');
    const items = preview.getByRole('list', { name: 'Next runs' }).getByRole('listitem');
    await expect(items).toHaveCount(5);
    // Each run in the viewer's zone (New York: 11:03, or 12:03 in the weeks the two DST calendars differ), then in Paris.
    await expect(items).toHaveText(Array(5).fill(/^\d{4}-\d{2}-\d{2} 1[12]:03 \(America\/New_York\)\s*\d{4}-\d{2}-\d{2} 17:03 \(Europe\/Paris\)$/));
    // The Paris dates: five consecutive Sundays, the first within a week from now.
    const dates = (await items.allTextContents()).map((t) => /(\d{4}-\d{2}-\d{2}) 17:03 \(Europe\/Paris\)/.exec(t)?.[1]);
    const days = dates.map((d) => Date.parse(`${d}T12:00:00Z`));
    for (const [i, day] of days.entries()) {
      expect(new Date(day).getUTCDay(), `${dates[i]} is a Sunday`).toBe(0);
      if (i > 0) expect(day - days[i - 1]!).toBe(7 * 86_400_000);
    }
    expect(days[0]! - Date.now()).toBeLessThanOrEqual(8 * 86_400_000);

    await form.getByRole('button', { name: 'Create schedule' }).click();
    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Schedules' }).click();
    const row = page
      .getByRole('table', { name: 'Schedules' })
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.getByRole('cell', { name: 'at 17:03, only on Sunday, Europe/Paris', exact: true })).toBeVisible();
    const enabled = row.getByRole('switch', { name: `Enabled: ${name}` });
    await expect(enabled).toHaveAttribute('aria-checked', 'true');

    // The state filter is in the URL (a view can be linked) and hides active schedules when set to Paused…
    const filters = page.getByRole('search', { name: 'Filter schedules' });
    await filters.getByRole('combobox', { name: 'State' }).selectOption('paused');
    await expect(page).toHaveURL(/\/schedules\?state=paused$/);
    await expect(row).toHaveCount(0);
    // …and the switch pauses it: back under All states it shows as Paused, and the server agrees after a reload.
    await filters.getByRole('combobox', { name: 'State' }).selectOption('');
    await enabled.click();
    await expect(enabled).toHaveAttribute('aria-checked', 'false');
    await expect(row.getByRole('cell', { name: 'Paused', exact: true })).toBeVisible();
    await page.goto('/schedules?state=paused');
    await expect(filters.getByRole('combobox', { name: 'State' })).toHaveValue('paused');
    await expect(row.getByRole('switch', { name: `Enabled: ${name}` })).toHaveAttribute('aria-checked', 'false');
  });

  test('a one-off 5 s ahead runs exactly once, then shows as done', async ({ page, request }) => {
    const name = uniqueName('once');
    created.push(name);
    const form = await openNewForm(page);
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('combobox', { name: 'Task', exact: true }).selectOption('hello');
    await form.getByRole('radio', { name: 'One-off' }).check();
    // Five seconds from now on the browser's wall clock (its zone is the form's default).
    const at = await page.evaluate(() => {
      const d = new Date(Date.now() + 5000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    });
    await form.getByLabel('Date and time').fill(at);
    await expect(page.getByRole('region', { name: 'Preview' })).toContainText(`Runs once on ${at.replace('T', ' ')} America/New_York`);
    await form.getByRole('button', { name: 'Create schedule' }).click();

    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    const status = page.getByRole('status', { name: 'Schedule status' });
    await expect(status).toHaveText('Done', { timeout: 15_000 });
    const runs = page
      .getByRole('table', { name: 'Run history' })
      .getByRole('row')
      .filter({ has: page.getByRole('link') });
    await expect(runs).toHaveCount(1);
    await expect(runs.first()).toContainText('Completed');
    await expect(page.getByRole('group', { name: 'Total runs' }).getByRole('definition')).toHaveText('1');
    const detail = await scheduleDetail(request, name);
    expect(detail.status).toBe('done');
    expect(detail.runCount).toBe(1);
    expect(detail.runs).toHaveLength(1);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules', exact: true }).click();
    const row = page
      .getByRole('table', { name: 'Schedules' })
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row.getByRole('cell', { name: 'Done', exact: true })).toBeVisible();
  });

  test('an invalid cron is refused next to its field and saves nothing; a deleted schedule leaves no scheduler behind', async ({ page, request }) => {
    const bad = uniqueName('bad cron');
    created.push(bad);
    const form = await openNewForm(page);
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(bad);
    await form.getByRole('combobox', { name: 'Task', exact: true }).selectOption('hello');
    await form.getByRole('radio', { name: 'Cron' }).check();
    const expression = form.getByRole('textbox', { name: 'Cron expression' });
    await expression.fill('61 * * * *');
    await form.getByRole('button', { name: 'Create schedule' }).click();
    await expect(expression).toHaveAttribute('aria-invalid', 'true');
    await expect(expression).toHaveAccessibleDescription(/got value 61 expected range 0-59/);
    await expect(expression).toBeFocused();
    await expect(form.getByRole('alert')).toHaveText('Some fields need attention.');
    await expect(page).toHaveURL(/\/schedules\/new$/);
    // The alert is the server's answer to the POST: it is over, and saved nothing.
    expect((await listSchedules(request)).schedules.map((s) => s.definition.name)).not.toContain(bad);

    // Fixing the expression clears the error (the preview re-checks it) and the same form saves.
    await expression.fill('*/10 * * * *');
    await expect(expression).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('region', { name: 'Preview' })).toContainText('Runs every 10 minutes');
    await form.getByRole('button', { name: 'Create schedule' }).click();
    await expect(page.getByRole('heading', { level: 1, name: bad, exact: true })).toBeVisible();

    // An edit is checked the same way, and a refused edit changes nothing.
    await page.getByRole('group', { name: 'Actions' }).getByRole('link', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: `Edit schedule ${bad}` });
    const editExpression = edit.getByRole('textbox', { name: 'Cron expression' });
    await expect(editExpression).toHaveValue('*/10 * * * *');
    await editExpression.fill('61 * * * *');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(editExpression).toHaveAttribute('aria-invalid', 'true');
    await expect(editExpression).toHaveAccessibleDescription(/got value 61 expected range 0-59/);
    expect((await scheduleDetail(request, bad)).definition.trigger.expression).toBe('*/10 * * * *');
    await editExpression.fill('*/15 * * * *');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('heading', { level: 1, name: bad, exact: true })).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: /^every 15 minutes$/ })).toBeVisible();

    // Its BullMQ scheduler exists in Redis now…
    const { queue } = await scheduleDetail(request, bad);
    const { redisUrl, prefix } = e2eEnv();
    const q = new Queue(queue, { connection: { url: redisUrl }, prefix });
    try {
      expect(await q.getJobScheduler(encodeURIComponent(bad))).toBeTruthy();

      // …and deleting through the confirmation dialog removes both.
      const del = page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Delete' });
      await del.click();
      const dialog = page.getByRole('dialog', { name: `Delete ${bad}?` });
      await expect(dialog).toBeVisible();
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
      await expect(del).toBeFocused();
      await del.click();
      await dialog.getByRole('button', { name: 'Delete schedule' }).click();

      await expect(page).toHaveURL(/\/schedules$/);
      await expect(page.getByRole('heading', { level: 1, name: 'Schedules' })).toBeVisible();
      await expect(page.getByRole('link', { name: bad, exact: true })).toHaveCount(0);
      const list = await listSchedules(request);
      expect(list.schedules.map((s) => s.definition.name)).not.toContain(bad);
      expect(list.orphans.filter((o) => o.id === encodeURIComponent(bad))).toEqual([]);
      expect(await q.getJobScheduler(encodeURIComponent(bad))).toBeFalsy();
    } finally {
      await q.close();
    }
  });
});
