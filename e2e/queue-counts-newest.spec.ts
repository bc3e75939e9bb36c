import { test, expect, type Page, type Route } from '@playwright/test';
import { bull, uniqueQueue, type Bull } from './support/queues-seed';
import { expectLive, expectSameDocument, markDocument } from './support/page';

/**
 * A queue page re-reads its server-rendered table when the count of its state changes (router.refresh). That
 * refresh is read on the server when asked and may arrive after a newer live frame: its counts must not
 * replace the frame's, since nothing would follow to correct them (the CI run at 8253017 saw a queue page stuck
 * at "Active (4)" after every job had completed, its last refresh read while four ran). The refreshes are held
 * here: each is read on the server when the page asks, and delivered when the test lets it.
 */
const QUEUE = uniqueQueue('e2e newest');
let b: Bull;

test.beforeAll(() => {
  b = bull();
});

test.afterAll(async () => {
  await b.close();
});

const tab = (page: Page, label: string) => page.getByRole('navigation', { name: 'Job states' }).getByRole('link', { name: new RegExp(`^${label} \\(`) });

/** Hold the page's refreshes (React Server Component requests): read on the server now, delivered on `release`. */
async function holdRefreshes(page: Page): Promise<{ first: Promise<() => Promise<void>> }> {
  let asked!: (release: () => Promise<void>) => void;
  const first = new Promise<() => Promise<void>>((r) => (asked = r));
  await page.route('**/*', async (route: Route) => {
    const headers = route.request().headers();
    // A refresh, not a link's prefetch.
    if (headers['rsc'] !== '1' || headers['next-router-prefetch']) return route.fallback();
    const response = await route.fetch();
    asked(() => route.fulfill({ response }));
  });
  return { first };
}

test('a table refresh read before the last live frame does not put its older counts back', async ({ page }) => {
  const queue = b.queue(QUEUE);
  await queue.add('a', {}, { jobId: 'n1' });
  await page.goto(`/queues/${encodeURIComponent(QUEUE)}?state=waiting`);
  await expectLive(page);
  await markDocument(page);
  const rows = page.getByRole('table', { name: /^Waiting jobs in / }).getByRole('row');
  await expect(rows).toHaveCount(2);
  // The console follows this new queue: its first job's count came live.
  const refreshes = await holdRefreshes(page);
  await queue.add('a', {}, { jobId: 'n2' });
  await expect(tab(page, 'Waiting')).toHaveText('Waiting (2)');
  // The waiting count changed: the page asked for its table, read on the server with two jobs waiting.
  const release = await refreshes.first;
  // A third job: a frame newer than that read. (Its own refresh is held, never delivered.)
  await queue.add('a', {}, { jobId: 'n3' });
  await expect(tab(page, 'Waiting')).toHaveText('Waiting (3)');

  await release();
  // The older refresh lands: its table has two jobs...
  await expect(rows).toHaveCount(3);
  // ...and once React has run the render's effects (two frames later), its counts have not replaced the newer ones.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await expect(tab(page, 'Waiting')).toHaveText('Waiting (3)');
  await expectSameDocument(page);
});
