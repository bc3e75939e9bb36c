import { test, expect, type Page } from '@playwright/test';
import { expectAccessibleInBothSchemes } from './support/axe';
import { expectLive, expectSameDocument, jobState, markDocument } from './support/page';

/**
 * Workflows in the console (issue 17), with the demo workflows of
 * worker/workflows/demo-workflows.ts: a chain run from its generated form is
 * watched live on the graph (a step goes from waiting to active to completed
 * without a reload); a chain whose middle step fails once is opened at the
 * failed step's job, retried from the run page, and completes.
 */

/** A step's node on the graph: React Flow's node, named "Step <task>: <State>[, n%]" (RunGraph's flowNodes). */
function graphStep(page: Page, label: string, state: RegExp | string): ReturnType<Page['getByRole']> {
  const s = typeof state === 'string' ? state : state.source;
  return page.getByTestId('run-graph').getByRole('group', { name: new RegExp(`^Step ${label}: (${s})`) });
}

const runState = (page: Page) => page.getByRole('status', { name: 'Run state' });

/**
 * Record, from inside the page, every distinct state the graph shows for each of `labels` (a MutationObserver
 * on the whole document, reading the nodes' names "Step <task>: <State>[, n%]"), so no state shown between
 * Playwright's polls is missed.
 */
async function recordNodes(page: Page, labels: string[]): Promise<void> {
  await page.evaluate((labels) => {
    const seen: Record<string, string[]> = Object.fromEntries(labels.map((l) => [l, []]));
    const take = () => {
      for (const label of labels) {
        const name = document.querySelector(`[data-testid="run-graph"] [aria-label^="Step ${label}: "]`)?.getAttribute('aria-label');
        const state = name?.slice(`Step ${label}: `.length).replace(/,.*$/, '');
        const states = seen[label]!;
        if (state && states[states.length - 1] !== state) states.push(state);
      }
    };
    take();
    new MutationObserver(take).observe(document, { subtree: true, childList: true, attributes: true });
    (window as unknown as { __e2eStates: Record<string, string[]> }).__e2eStates = seen;
  }, labels);
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { __e2eStates: Record<string, string[]> }).__e2eStates);

test('a chain run from its form completes on its page without a reload: result, steps with their jobs, timeline', async ({ page }) => {
  await page.goto('/workflows');
  await page.getByRole('link', { name: 'Run fetch-parse-store' }).click();
  const form = page.getByRole('form', { name: 'Run fetch-parse-store' });
  await expect(form.getByRole('textbox', { name: 'url', exact: true })).toHaveValue('https://example.com/');
  await form.getByRole('textbox', { name: 'url', exact: true }).fill('https://example.com/e2e');
  await markDocument(page);
  await form.getByRole('button', { name: 'Run fetch-parse-store' }).click();

  await expect(page).toHaveURL(/\/workflows\/fetch-parse-store\/runs\/[^/]+$/);
  await expect(graphStep(page, 'store-page', 'Completed')).toBeVisible();
  await expect(runState(page)).toHaveText('Completed');
  await expect(page.getByRole('region', { name: 'Workflow result' })).toContainText('"title": "https://example.com/e2e"');
  // Every step is in the table (the graph's text alternative) with a link to its job, and has its timeline row.
  const steps = page.getByRole('table', { name: /^Steps of this run \(3\)/ });
  for (const task of ['fetch-page', 'parse-page', 'store-page']) await expect(steps.getByRole('link', { name: task })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' }).getByText(/ran \d/)).toHaveCount(3);
  await expectSameDocument(page);
});

test('a failed step is opened at its job and retried from the run page: the steps after it go waiting → active → completed live', async ({ page }) => {
  await page.goto('/workflows/broken-pipeline');
  await page.getByRole('form', { name: 'Run broken-pipeline' }).getByRole('button', { name: 'Run broken-pipeline' }).click();
  await expect(page).toHaveURL(/\/workflows\/broken-pipeline\/runs\/[^/]+$/);
  const runUrl = page.url();
  await expect(runState(page)).toHaveText('Failed');
  await expect(graphStep(page, 'validate-page', 'Failed')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Failed at step validate-page' })).toContainText('markup does not validate');

  // The failed step's job, and from it back to its run.
  await page
    .getByRole('table', { name: /^Steps of this run/ })
    .getByRole('link', { name: 'validate-page' })
    .click();
  await expect(jobState(page)).toHaveText('Failed');
  await page.getByRole('link', { name: /^workflow broken-pipeline, run / }).click();
  await expect(page).toHaveURL(runUrl);

  // The steps after the failed one wait; once it is retried, they run one after the other, on this page as it is.
  await expect(graphStep(page, 'parse-page', 'Waiting')).toBeVisible();
  await expect(graphStep(page, 'store-page', 'Waiting')).toBeVisible();
  await markDocument(page);
  await expectLive(page);
  await recordNodes(page, ['parse-page', 'store-page']);
  await page.getByRole('button', { name: /^Retry step validate-page/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Retrying step validate-page' })).toBeVisible();
  await expect(graphStep(page, 'store-page', 'Completed')).toBeVisible();
  await expect(runState(page)).toHaveText('Completed');
  await expect(page.getByRole('button', { name: /^Retry step/ })).toHaveCount(0);
  await expectSameDocument(page);

  const states = await recorded(page);
  const path = JSON.stringify(states);
  for (const s of Object.values(states)) {
    expect(s[0], path).toBe('Waiting');
    expect(s[s.length - 1], path).toBe('Completed');
    expect(
      s.every((x) => ['Waiting', 'Queued', 'Active', 'Completed'].includes(x)),
      path,
    ).toBe(true);
  }
  // parse-page runs 0.8 s, store-page 0.5 s; the page re-reads the run at most every 0.5 s: at least one is seen running.
  expect(
    Object.values(states).some((s) => s.includes('Active')),
    path,
  ).toBe(true);
});

test('the workflows page and a finished run’s page pass the accessibility audit', async ({ page, request }) => {
  // A run of its own (the test does not depend on the others), finished so the page shows its result and timeline.
  const res = await request.post('/api/v1/workflows/fetch-parse-store/runs', { data: { args: { url: 'https://example.com/a11y' } } });
  expect(res.status(), await res.text()).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/workflow-runs/${encodeURIComponent(id)}`)).json()) as { state: string }).state)
    .toBe('completed');
  await expectAccessibleInBothSchemes(page, async () => {
    await page.goto('/workflows');
    await expect(page.getByRole('table', { name: /^Workflow runs/ }).getByRole('link', { name: id })).toBeVisible();
  });
  await expectAccessibleInBothSchemes(page, async () => {
    await page.goto(`/workflows/fetch-parse-store/runs/${encodeURIComponent(id)}`);
    await expect(page.getByTestId('run-graph')).toHaveAttribute('data-drawn', 'true');
    await expect(runState(page)).toHaveText('Completed');
  });
});
