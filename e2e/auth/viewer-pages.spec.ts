import { test, expect, type Locator, type Page } from '@playwright/test';
import { Queue } from 'bullmq';
import { JOB_STATES } from '../../lib/data/queue-states';
import { expectLive } from '../support/page';
import { authEnv } from './auth-env';
import { apiAs, csrf, jobState, runTask, signIn, type Who } from './support';

/**
 * "Log in as viewer → no action buttons", page by page: every console page is
 * opened as the viewer (bob) and checked twice — by role and name for the
 * actions we know of, and generically: no button, switch or form other than
 * an allow-list of controls that change nothing (navigation, filters, search,
 * pagination, chart views, copy, sign out). The pages an admin would use to
 * create or change something answer "Not allowed" instead of a form.
 *
 * The control test opens the same pages as the admin (alice) and expects the
 * generic check to find the actions there: a check that finds nothing
 * anywhere would pass for nothing.
 */

const enc = encodeURIComponent;

/** Buttons that only change what this browser shows (or end its own session). */
const HARMLESS_BUTTONS = [
  /^Sign out$/, // the header
  /^Apply$/, // queue page: job name filter and page size
  /^Open job$/, // queue page: jump to a job id
  /^Search$/, // results search
  /^(1 h|24 h)$/, // dashboard history range
  /^(Show as table|Hide table)$/, // dashboard charts
  /^Copy\b/, // job page: copy a value to the clipboard
  /^(Older lines|Newer lines|Newest \(live\))$/, // job page: log pagination
  /^Refresh( values)?$/, // alert rules and channels: read again
];
/** Forms that only read (filters and searches: GET, or a client-side URL change). */
const HARMLESS_FORMS = ['Filter jobs', 'Jump to job', 'Filter schedules', 'Search results', 'Filter runs'];

/** The actions we know of, by role and name (buttons, switches and the links that lead to a form). */
const ACTION_BUTTON =
  /^(Retry|Re-run|Promote|Cancel|Remove|Delete|Pause|Resume|Run|Enable|Disable|Edit|Duplicate|Drain|Clean|Obliterate|Set$|Shut down|Confirm|Keep running|Add|Create|Revoke|Save|Change)/;
const ACTION_LINK = /^(New schedule|Edit|Duplicate|Run\b|Create one|Add a raw job)/;

interface Controls {
  /** Buttons (and button-like roles) outside the allow-list, by accessible name. */
  buttons: string[];
  /** Forms outside the allow-list, by name. */
  forms: string[];
  /** Inputs, text areas and selects outside an allowed form. */
  fields: string[];
}

/** Everything on the page a person could use to change state (by the generic rule). */
async function stateChangingControls(page: Page): Promise<Controls> {
  const found = await page.evaluate((allowedForms) => {
    const nameOf = (el: Element) =>
      (el.getAttribute('aria-label') ?? (el instanceof HTMLInputElement ? el.value : el.textContent) ?? '').replace(/\s+/g, ' ').trim();
    const formName = (f: HTMLFormElement) => f.getAttribute('aria-label') ?? f.getAttribute('name') ?? '(unnamed form)';
    const allowed = (el: Element) => {
      const f = el.closest('form');
      return f !== null && allowedForms.includes(formName(f));
    };
    const buttons = [
      ...document.querySelectorAll(
        'button, [role="button"], [role="switch"], [role="checkbox"], [role="menuitem"], input[type="submit"], input[type="button"], input[type="reset"], input[type="image"]',
      ),
      // A disabled action is still an action shown: disabled or not, only the allow-list passes.
    ].map(nameOf);
    const forms = [...document.querySelectorAll('form')].map(formName).filter((n) => !allowedForms.includes(n));
    const fields = [...document.querySelectorAll('input:not([type="hidden"]), textarea, select, [contenteditable="true"]')]
      .filter((el) => !allowed(el))
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}#${el.id || '?'} ${el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? ''}`,
      );
    return { buttons, forms, fields };
  }, HARMLESS_FORMS);
  return { ...found, buttons: found.buttons.filter((b) => !HARMLESS_BUTTONS.some((re) => re.test(b))) };
}

/** Open a page and wait until it is rendered, hydrated and live (late client-side content has had its chance). */
async function open(page: Page, path: string): Promise<void> {
  const res = await page.goto(path);
  expect(res?.status(), path).toBeLessThan(400);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectLive(page);
}

/** Soft: one run lists every page that shows an action, not just the first. */
async function expectNoActions(page: Page, where: string): Promise<void> {
  await expect.soft(page.getByRole('button', { name: ACTION_BUTTON }), `${where}: action buttons`).toHaveCount(0);
  await expect.soft(page.getByRole('switch'), `${where}: switches`).toHaveCount(0);
  await expect.soft(page.getByRole('link', { name: ACTION_LINK }), `${where}: links to a form`).toHaveCount(0);
  expect.soft(await stateChangingControls(page), where).toEqual({ buttons: [], forms: [], fields: [] });
}

interface Fixture {
  queue: string;
  failed: string;
  completedQueue: string;
  completed: string;
  schedule: string;
  orphanQueue: string;
  orphanId: string;
}
let fx: Fixture;

test.beforeAll(async () => {
  const e = authEnv();
  const admin = await apiAs('admin');
  // A failed and a completed job (the demo tasks `fail` and `hello`).
  const failed = await runTask(admin, 'fail', { message: 'for the viewer pages' });
  const completed = await runTask(admin, 'hello', {});
  await expect.poll(() => jobState(admin, failed.queue, failed.id), { timeout: 15_000 }).toBe('failed');
  await expect.poll(() => jobState(admin, completed.queue, completed.id), { timeout: 15_000 }).toBe('completed');
  // A schedule made in the console (an admin could run, disable, edit, duplicate and delete it).
  const schedule = `viewer-${Date.now()}`;
  const res = await admin.post('/api/v1/schedules', {
    headers: await csrf(admin),
    data: { name: schedule, task: 'hello', args: {}, trigger: { type: 'interval', every: 1, unit: 'days' }, enabled: false },
  });
  expect(res.status(), await res.text()).toBe(201);
  await admin.dispose();
  // An orphan scheduler (no definition owns it: an admin could remove it), in a queue no worker reads, due next New Year.
  const orphanQueue = `viewer-orphans-${Date.now()}`;
  const orphanId = 'left-by-another-tool';
  const q = new Queue(orphanQueue, { connection: { url: e.redisUrl, maxRetriesPerRequest: null }, prefix: e.prefix });
  await q.upsertJobScheduler(orphanId, { pattern: '0 0 1 1 *' }, { name: 'hello', data: {} });
  await q.close();
  fx = { queue: failed.queue, failed: failed.id, completedQueue: completed.queue, completed: completed.id, schedule, orphanQueue, orphanId };
});

test.afterAll(async () => {
  if (!fx) return;
  const admin = await apiAs('admin');
  await admin.delete(`/api/v1/schedules/${enc(fx.schedule)}`, { headers: await csrf(admin) });
  await admin.dispose();
  const e = authEnv();
  const q = new Queue(fx.orphanQueue, { connection: { url: e.redisUrl, maxRetriesPerRequest: null }, prefix: e.prefix });
  await q.obliterate({ force: true });
  await q.close();
});

/** Every console page that shows data (the ones a viewer may read), with what proves it rendered its data. */
function readablePages(): { path: string; shows?: (page: Page) => Locator }[] {
  const q = enc(fx.queue);
  return [
    { path: '/', shows: (p) => p.getByRole('table', { name: 'Queues and their job counts' }) },
    { path: '/tasks', shows: (p) => p.getByRole('table', { name: 'Tasks' }).getByRole('link', { name: 'hello', exact: true }) },
    { path: '/tasks/hello', shows: (p) => p.getByRole('region', { name: 'Arguments JSON Schema' }) },
    { path: '/queues', shows: (p) => p.getByRole('link', { name: fx.queue, exact: true }).first() },
    ...JOB_STATES.map((s) => ({ path: `/queues/${q}?state=${s}`, shows: (p: Page) => p.getByRole('navigation', { name: 'Job states' }) })),
    { path: `/queues/${q}/jobs/${enc(fx.failed)}`, shows: (p) => p.getByRole('status', { name: 'Job state' }).getByText('Failed') },
    { path: `/queues/${enc(fx.completedQueue)}/jobs/${enc(fx.completed)}`, shows: (p) => p.getByRole('status', { name: 'Job state' }).getByText('Completed') },
    { path: '/schedules', shows: (p) => p.getByRole('table', { name: 'Orphan schedulers' }).getByRole('row').filter({ hasText: fx.orphanId }) },
    { path: `/schedules/${enc(fx.schedule)}`, shows: (p) => p.getByRole('status', { name: 'Schedule status' }) },
    { path: '/results', shows: (p) => p.getByRole('search', { name: 'Search results' }) },
    { path: '/workers', shows: (p) => p.getByRole('table', { name: 'Live workers' }) },
    { path: '/workflows', shows: (p) => p.getByRole('heading', { level: 1, name: 'Workflows' }) },
    { path: '/alerts', shows: (p) => p.getByRole('status', { name: 'Open incidents count' }) },
    { path: '/alerts/rules', shows: (p) => p.getByRole('navigation', { name: 'Alerts' }) },
    { path: '/alerts/channels', shows: (p) => p.getByRole('navigation', { name: 'Alerts' }) },
    { path: '/audit', shows: (p) => p.getByRole('alert').filter({ hasText: 'Admins only' }) },
    { path: '/settings/tokens', shows: (p) => p.getByRole('alert').filter({ hasText: 'Admins only' }) },
  ];
}

/** The pages whose only purpose is to create or change something. */
function formPages(): string[] {
  return ['/schedules/new', `/schedules/new?from=${enc(fx.schedule)}`, `/schedules/${enc(fx.schedule)}/edit`, ...adminFormPages];
}

/** Form pages for admins only (alert rules and channels): "Admins only" rather than the writers' "Not allowed". */
const adminFormPages = ['/alerts/rules/new', '/alerts/channels/new'];

async function signedIn(page: Page, who: Who): Promise<void> {
  await signIn(page, who);
  await expect(page.getByText(who === 'admin' ? 'alice' : 'bob', { exact: true })).toBeVisible();
}

test('a viewer sees no action, no switch and no form on any console page', async ({ page }) => {
  // Room for the soft checks of ~25 pages to each wait out their timeout when broken.
  test.setTimeout(600_000);
  await signedIn(page, 'viewer');
  for (const p of readablePages()) {
    await open(page, p.path);
    if (p.shows) await expect(p.shows(page), `${p.path} shows its data`).toBeVisible();
    await expectNoActions(page, p.path);
  }
  // The details the pages show instead of controls.
  await open(page, '/schedules');
  const row = page.getByRole('table', { name: 'Schedules' }).getByRole('row').filter({ hasText: fx.schedule });
  await expect(row.getByRole('cell').last()).toHaveText('Off');
  await expect(page.getByRole('table', { name: 'Orphan schedulers' }).getByRole('row').filter({ hasText: fx.orphanId })).toBeVisible();
  await open(page, '/workers');
  await expect(page.getByRole('table', { name: 'Live workers' }).getByRole('columnheader', { name: 'Control' })).toHaveCount(0);

  // Typing the address of a form page: a clear refusal, not a form.
  for (const path of formPages()) {
    await open(page, path);
    const refusal = page.getByRole('alert').filter({ hasText: adminFormPages.includes(path) ? 'Admins only' : 'Not allowed' });
    await expect(refusal, path).toBeVisible();
    if (!adminFormPages.includes(path)) await expect(refusal, path).toContainText('viewer');
    await expect(page.getByRole('form'), path).toHaveCount(0);
    await expectNoActions(page, path);
  }
});

test('control: on the same pages an admin has the actions the viewer check looks for', async ({ page }) => {
  // ~30 pages, each opened until live: over a minute on a loaded machine.
  test.setTimeout(180_000);
  await signedIn(page, 'admin');
  const found = new Map<string, Controls>();
  for (const p of readablePages()) {
    await open(page, p.path);
    // (The admin sees the data, not the viewer's "Admins only".)
    if (p.shows && !['/audit', '/settings/tokens'].includes(p.path)) await expect(p.shows(page), `${p.path} shows its data`).toBeVisible();
    found.set(p.path, await stateChangingControls(page));
  }
  for (const path of formPages()) {
    await open(page, path);
    found.set(path, await stateChangingControls(page));
  }
  const buttonsOn = (path: string) => found.get(path)?.buttons ?? [];
  const q = enc(fx.queue);
  expect(buttonsOn(`/queues/${q}/jobs/${enc(fx.failed)}`)).toContain('Retry');
  expect(buttonsOn(`/queues/${enc(fx.completedQueue)}/jobs/${enc(fx.completed)}`).length).toBeGreaterThan(0);
  expect(buttonsOn(`/queues/${q}?state=failed`)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^(Pause|Resume) queue$/), 'Retry all failed', 'Add a raw job…']),
  );
  expect(buttonsOn('/tasks/hello')).toContain('Run hello');
  expect(buttonsOn('/schedules')).toEqual(expect.arrayContaining([`Enabled: ${fx.schedule}`, `Remove scheduler ${fx.orphanId} of queue ${fx.orphanQueue}`]));
  expect(buttonsOn(`/schedules/${enc(fx.schedule)}`)).toEqual(expect.arrayContaining(['Run now', 'Enable', 'Delete']));
  expect(buttonsOn('/workers')).toEqual(expect.arrayContaining([expect.stringMatching(/^(Pause|Resume)$/), 'Set', 'Shut down…']));
  expect(buttonsOn('/settings/tokens')).toContain('Create token');
  expect(found.get('/settings/tokens')?.forms).toContain('New token');
  for (const path of formPages()) expect(found.get(path)?.forms.length, path).toBe(1);

  // And the known-action locators match there too.
  await open(page, `/schedules/${enc(fx.schedule)}`);
  await expect(page.getByRole('link', { name: ACTION_LINK })).toHaveCount(2); // Edit, Duplicate
  await open(page, '/schedules');
  await expect(page.getByRole('switch', { name: `Enabled: ${fx.schedule}` })).toBeEnabled();
});
