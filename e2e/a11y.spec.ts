import { randomBytes } from 'node:crypto';
import { test, expect, request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test';
import { liveWorkerIds, runTaskViaApi } from './support/api';
import { expectAccessibleInBothSchemes } from './support/axe';
import { e2eEnv } from './support/e2e-env';
import { jobState } from './support/page';
import { bull, seedCompleted, seedFailed, uniqueQueue, type Bull } from './support/queues-seed';

/**
 * Every page of the open console passes axe's WCAG 2.0/2.1 A and AA rules
 * with no serious or critical violation, in light and in dark mode, while it
 * shows real data: finished and failed jobs, a queue with jobs in several
 * states, a schedule and the suite's worker. (Tokens, audit log and login
 * show their data only with accounts: e2e/auth/a11y.spec.ts.)
 */

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

async function waitForState(request: APIRequestContext, job: { queue: string; id: string }, state: string): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await (await request.get(`/api/v1/queues/${encodeURIComponent(job.queue)}/jobs/${encodeURIComponent(job.id)}`)).json()) as { state: string }).state,
    )
    .toBe(state);
}

const seg = encodeURIComponent;

let api: APIRequestContext;
let b: Bull;
/** A queue no worker serves: its jobs stay waiting, next to seeded completed and failed ones. */
const queue = uniqueQueue('a11y');
const schedule = `a11y ${randomBytes(3).toString('hex')}`;
let completed: { queue: string; id: string };
let failed: { queue: string; id: string };

test.beforeAll(async () => {
  api = await playwrightRequest.newContext({ baseURL: e2eEnv().baseURL });
  completed = await runTaskViaApi(api, 'add', { a: 2, b: 3 });
  failed = await runTaskViaApi(api, 'fail', { message: 'Failed for the accessibility audit' });
  await waitForState(api, completed, 'completed');
  await waitForState(api, failed, 'failed');

  b = bull();
  const q = b.queue(queue);
  await q.add('add', { a: 1, b: 2 });
  await q.add('add', { a: 3, b: 4 }, { delay: 3_600_000 });
  await seedCompleted(b, queue, 'done-1', 'add', '3');
  await seedFailed(b, queue, 3, { idPrefix: 'failed-', name: 'add', reason: 'Seeded failure' });

  // Yearly, so it never runs during the suite; deleted after.
  const res = await api.post('/api/v1/schedules', {
    data: { name: schedule, description: 'Audited by axe', task: 'hello', trigger: { type: 'cron', expression: '0 0 1 1 *', tz: 'UTC' } },
    headers: await csrfHeader(api),
  });
  expect(res.status(), await res.text()).toBe(201);
  expect(await liveWorkerIds(api)).not.toHaveLength(0);
});

test.afterAll(async () => {
  await api.delete(`/api/v1/schedules/${seg(schedule)}`, { headers: await csrfHeader(api) });
  await b.queue(queue).obliterate({ force: true });
  await b.close();
  await api.dispose();
});

/** Open a page and wait for its heading and live connection (the indicator is part of what is audited). */
async function open(page: Page, path: string, heading: string | RegExp): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  // Longer than expectLive's wait: this spec runs first, against a console that just started on a busy machine.
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Live', { timeout: 45_000 });
}

test.describe('accessibility: no serious or critical axe violation, light and dark', () => {
  // Each audit loads its page twice (light, dark); on a busy machine a page takes ~10 s to settle.
  test.describe.configure({ timeout: 180_000 });

  test('dashboard', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/', 'Dashboard');
      await expect(page.getByRole('figure').first()).toBeVisible();
    });
  });

  test('tasks', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/tasks', 'Tasks');
      await expect(page.getByRole('link', { name: 'add', exact: true })).toBeVisible();
    });
  });

  test('a task', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/tasks/add', /add/);
      await expect(page.getByRole('form', { name: 'Run add' })).toBeVisible();
    });
  });

  test('schedules', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/schedules', 'Schedules');
      await expect(page.getByRole('link', { name: schedule, exact: true })).toBeVisible();
    });
  });

  test('a schedule, and its edit form', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/schedules', 'Schedules');
      await page.getByRole('link', { name: schedule, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: schedule })).toBeVisible();
    });
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, `/schedules/${seg(schedule)}`, schedule);
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await expect(page.getByRole('form')).toBeVisible();
    });
  });

  test('new schedule', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/schedules', 'Schedules');
      await page.getByRole('link', { name: 'New schedule' }).click();
      await expect(page.getByRole('form', { name: 'New schedule' })).toBeVisible();
    });
  });

  test('queues', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/queues', 'Queues');
      await expect(page.getByRole('link', { name: queue, exact: true })).toBeVisible();
    });
  });

  for (const [state, label, row] of [
    ['waiting', 'Waiting', 'add'],
    ['delayed', 'Delayed', 'add'],
    ['completed', 'Completed', 'done-1'],
    ['failed', 'Failed', 'failed-1'],
  ] as const) {
    test(`a queue, ${state} jobs`, async ({ page }) => {
      await expectAccessibleInBothSchemes(page, async () => {
        await open(page, `/queues/${seg(queue)}`, `Queue ${queue}`);
        await page
          .getByRole('navigation', { name: 'Job states' })
          .getByRole('link', { name: new RegExp(`^${label} \\(`) })
          .click();
        await expect(page).toHaveURL(new RegExp(`state=${state}`));
        await expect(page.getByRole('table').getByText(row).first()).toBeVisible();
      });
    });
  }

  test('a completed job', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, `/queues/${seg(completed.queue)}/jobs/${seg(completed.id)}`, /add/);
      await expect(jobState(page)).toHaveText('Completed');
    });
  });

  test('a failed job', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, `/queues/${seg(failed.queue)}/jobs/${seg(failed.id)}`, /fail/);
      await expect(jobState(page)).toHaveText('Failed');
      await expect(page.getByRole('region', { name: 'Error' })).toBeVisible();
    });
  });

  test('results', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/results', 'Results');
      await expect(page.getByRole('table', { name: 'Finished jobs found, newest first' }).getByRole('link', { name: failed.id, exact: true })).toBeVisible();
    });
  });

  test('workers', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await open(page, '/workers', 'Workers');
      await expect(page.getByRole('table', { name: 'Live workers' }).getByRole('row')).not.toHaveCount(0);
    });
  });

  // Reachable from the open console's navigation too (without accounts they say so).
  test('API tokens and audit log, without accounts', async ({ page }) => {
    for (const [link, heading] of [
      ['Tokens', 'API tokens'],
      ['Audit', 'Audit log'],
    ] as const) {
      await expectAccessibleInBothSchemes(page, async () => {
        await open(page, '/', 'Dashboard');
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
        await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      });
    }
  });

  test('a page that does not exist', async ({ page }) => {
    await expectAccessibleInBothSchemes(page, async () => {
      await page.goto('/queues/a11y-no-such-queue-here/jobs/1');
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Live');
    });
  });
});
