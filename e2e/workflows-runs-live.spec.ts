import { test, expect, type APIRequestContext } from '@playwright/test';
import { expectLive, expectSameDocument, markDocument } from './support/page';

/**
 * The Workflows page's runs list is live: a run started elsewhere (here, through the
 * API) appears in the list and reaches Completed without a reload of the page.
 */

async function csrfHeader(request: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await request.storageState();
  const token = cookies.find((c) => c.name === 'celerity_csrf')?.value;
  return token ? { 'x-csrf-token': decodeURIComponent(token) } : {};
}

test('a run started elsewhere appears in the runs list and completes there, live', async ({ page, request }) => {
  await page.goto('/workflows?workflow=thumbnails');
  await expectLive(page);
  await markDocument(page);
  const res = await request.post('/api/v1/workflows/thumbnails/runs', { data: { args: { images: 1, width: 64 } }, headers: await csrfHeader(request) });
  expect(res.status(), await res.text()).toBe(201);
  const { id } = (await res.json()) as { id: string };

  const row = page
    .getByRole('table', { name: /^Workflow runs \(of thumbnails\)/ })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: id }) });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Completed');
  await expect(row).toContainText('2 / 2');
  await expectSameDocument(page);
});
