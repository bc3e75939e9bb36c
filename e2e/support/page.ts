import { expect, type Locator, type Page } from '@playwright/test';

/** The job page's state badge: a status region named "Job state". */
export function jobState(page: Page): Locator {
  return page.getByRole('status', { name: 'Job state' });
}

/**
 * Put a marker on the current document. {@link expectSameDocument} later proves
 * the page was updated in place (live, or by client-side navigation), not reloaded.
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __e2eSameDocument?: boolean }).__e2eSameDocument = true;
  });
}

export async function expectSameDocument(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __e2eSameDocument?: boolean }).__e2eSameDocument), 'the page was reloaded').toBe(true);
}

/** Wait until the page's Socket.IO connection is up, so live updates can arrive. */
export async function expectLive(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Live');
}
